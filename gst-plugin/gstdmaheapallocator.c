/* SPDX-License-Identifier: MIT */
#include "gstdmaheapallocator.h"
#include "gstdmaheapdebug.h"

#include <errno.h>
#include <unistd.h>
#include <dmaheap/dmaheap.h>

#define GST_CAT_DEFAULT gst_dmaheap_debug

struct _GstDmaHeapAllocator
{
  GstDmaBufAllocator parent;

  GMutex lock;
  gchar *heap_spec;             /* "a,b" or NULL */
  gchar *devices;               /* "/dev/video0,/dev/dri/card0" or NULL */
  gchar *heap_why;              /* why the heap, when chosen for devices */
  GstDmaHeapUsage usage;
  struct dmaheap_ctx *ctx;      /* created on first use */
  struct dmaheap_heap *heap;    /* resolved heap, owned by ctx */
};

enum
{
  PROP_0,
  PROP_HEAP,
  PROP_USAGE,
  PROP_HEAP_NAME,
  PROP_DEVICES,
  PROP_HEAP_REASON,
};

#define DEFAULT_USAGE GST_DMAHEAP_USAGE_SCANOUT

G_DEFINE_TYPE_WITH_CODE (GstDmaHeapAllocator, gst_dmaheap_allocator,
    GST_TYPE_DMABUF_ALLOCATOR, gst_dmaheap_debug_init ());

GType
gst_dmaheap_usage_get_type (void)
{
  static const GEnumValue values[] = {
    {GST_DMAHEAP_USAGE_SCANOUT, "A display controller reads it", "scanout"},
    {GST_DMAHEAP_USAGE_CAMERA, "A capture device writes it", "camera"},
    {GST_DMAHEAP_USAGE_CODEC, "A hardware encoder or decoder", "codec"},
    {GST_DMAHEAP_USAGE_GPU, "A GPU texture or render target", "gpu"},
    {GST_DMAHEAP_USAGE_CPU, "Only the CPU (or devices behind an IOMMU)",
        "cpu"},
    {0, NULL, NULL},
  };
  static gsize type = 0;

  G_STATIC_ASSERT ((int) GST_DMAHEAP_USAGE_SCANOUT ==
      (int) DMAHEAP_USAGE_SCANOUT);
  G_STATIC_ASSERT ((int) GST_DMAHEAP_USAGE_CPU == (int) DMAHEAP_USAGE_CPU);
  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstDmaHeapUsage", values));
  return type;
}

static GQuark
error_code_for_errno (int err)
{
  switch (err) {
    case EACCES:
    case EPERM:
      return GST_RESOURCE_ERROR_OPEN_READ_WRITE;
    case EINVAL:
      return GST_RESOURCE_ERROR_SETTINGS;
    case ENOMEM:
      return GST_RESOURCE_ERROR_NO_SPACE_LEFT;
    default:
      return GST_RESOURCE_ERROR_NOT_FOUND;
  }
}

/* The devices' heap (libdmaheap's device-aware choice, usage as its
 * fallback). Called with the lock held, ctx created. */
static gboolean
resolve_for_devices_locked (GstDmaHeapAllocator * self,
    enum dmaheap_usage usage, GError ** error)
{
  gchar **paths = g_strsplit (self->devices, ",", -1);
  struct dmaheap_device **devs = g_new0 (struct dmaheap_device *,
      g_strv_length (paths) + 1);
  gchar why[1024];
  gsize n = 0;
  gboolean ok = FALSE;

  for (gchar ** p = paths; *p; p++) {
    gchar *path = g_strstrip (*p);

    if (!path[0])
      continue;
    devs[n] = dmaheap_device_get (self->ctx, path);
    if (!devs[n]) {
      int err = errno;
      g_set_error (error, GST_RESOURCE_ERROR, error_code_for_errno (err),
          "devices='%s': %s", self->devices, dmaheap_last_error ());
      goto out;
    }
    n++;
  }
  self->heap = dmaheap_heap_for_devices (self->ctx, devs, n,
      DMAHEAP_CPU_READ | DMAHEAP_CPU_WRITE, usage, why, sizeof (why));
  if (!self->heap) {
    int err = errno;
    g_set_error (error, GST_RESOURCE_ERROR, error_code_for_errno (err),
        "%s", dmaheap_last_error ());
    goto out;
  }
  g_free (self->heap_why);
  self->heap_why = g_strdup (why);
  GST_INFO_OBJECT (self, "allocating from heap %s", why);
  ok = TRUE;
out:
  g_free (devs);
  g_strfreev (paths);
  return ok;
}

/* Called with the lock held. */
static gboolean
resolve_locked (GstDmaHeapAllocator * self, GError ** error)
{
  enum dmaheap_usage usage = (enum dmaheap_usage) self->usage;

  if (self->heap)
    return TRUE;

  if (!self->ctx) {
    self->ctx = dmaheap_ctx_create (0);
    if (!self->ctx) {
      int err = errno;
      g_set_error (error, GST_RESOURCE_ERROR, error_code_for_errno (err),
          "Cannot set up libdmaheap: %s", dmaheap_last_error ());
      return FALSE;
    }
  }
  if (self->heap_spec && self->heap_spec[0]) {
    /* A heap list is the policy of this allocator's usage: libdmaheap then
     * tries each in order and names them all when none opens. */
    gchar *spec = g_strdup_printf ("%s=%s", dmaheap_usage_name (usage),
        self->heap_spec);
    int ret = dmaheap_ctx_set_policy (self->ctx, spec);

    g_free (spec);
    if (ret < 0) {
      int err = errno;
      g_set_error (error, GST_RESOURCE_ERROR, error_code_for_errno (err),
          "Invalid heap list '%s': %s", self->heap_spec,
          dmaheap_last_error ());
      return FALSE;
    }
  }
  if ((!self->heap_spec || !self->heap_spec[0]) && self->devices
      && self->devices[0])
    return resolve_for_devices_locked (self, usage, error);
  self->heap = dmaheap_heap_for_usage (self->ctx, usage);
  if (!self->heap) {
    int err = errno;
    g_set_error (error, GST_RESOURCE_ERROR, error_code_for_errno (err),
        "%s", dmaheap_last_error ());
    return FALSE;
  }
  GST_INFO_OBJECT (self, "allocating from heap '%s' (usage %s)",
      dmaheap_heap_name (self->heap), dmaheap_usage_name (usage));
  return TRUE;
}

gboolean
gst_dmaheap_allocator_resolve (GstDmaHeapAllocator * self, GError ** error)
{
  gboolean ret;

  g_return_val_if_fail (GST_IS_DMAHEAP_ALLOCATOR (self), FALSE);
  g_mutex_lock (&self->lock);
  ret = resolve_locked (self, error);
  g_mutex_unlock (&self->lock);
  return ret;
}

const gchar *
gst_dmaheap_allocator_get_heap_name (GstDmaHeapAllocator * self)
{
  const gchar *name;

  g_return_val_if_fail (GST_IS_DMAHEAP_ALLOCATOR (self), NULL);
  g_mutex_lock (&self->lock);
  name = self->heap ? dmaheap_heap_name (self->heap) : NULL;
  g_mutex_unlock (&self->lock);
  return name;
}

gboolean
gst_is_dmaheap_memory (GstMemory * mem)
{
  return mem && GST_IS_DMAHEAP_ALLOCATOR (mem->allocator);
}

static GstMemory *
gst_dmaheap_allocator_alloc (GstAllocator * allocator, gsize size,
    GstAllocationParams * params)
{
  GstDmaHeapAllocator *self = GST_DMAHEAP_ALLOCATOR (allocator);
  gsize prefix = params ? params->prefix : 0;
  gsize padding = params ? params->padding : 0;
  gsize total = prefix + size + padding;
  struct dmaheap_heap *heap;
  GError *error = NULL;
  GstMemory *mem;
  int fd;

  g_mutex_lock (&self->lock);
  if (!resolve_locked (self, &error)) {
    g_mutex_unlock (&self->lock);
    GST_ERROR_OBJECT (self, "%s", error->message);
    g_error_free (error);
    return NULL;
  }
  heap = self->heap;
  g_mutex_unlock (&self->lock);

  /* libdmaheap keeps its message thread-local: callers in this thread can
   * still read dmaheap_last_error() after a NULL return. */
  fd = dmaheap_heap_alloc (heap, total, DMAHEAP_FD_FLAGS_DEFAULT, 0);
  if (fd < 0) {
    GST_ERROR_OBJECT (self, "%s", dmaheap_last_error ());
    return NULL;
  }
  mem = gst_dmabuf_allocator_alloc (allocator, fd, total);
  if (!mem) {
    GST_ERROR_OBJECT (self, "cannot wrap dma-buf fd %d of %" G_GSIZE_FORMAT
        " bytes", fd, total);
    close (fd);
    return NULL;
  }
  if (prefix || padding)
    gst_memory_resize (mem, prefix, size);
  GST_LOG_OBJECT (self, "fd %d: %" G_GSIZE_FORMAT " bytes from '%s'", fd,
      total, dmaheap_heap_name (heap));
  return mem;
}

static void
gst_dmaheap_allocator_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstDmaHeapAllocator *self = GST_DMAHEAP_ALLOCATOR (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_HEAP:
      g_free (self->heap_spec);
      self->heap_spec = g_value_dup_string (value);
      self->heap = NULL;
      break;
    case PROP_USAGE:
      self->usage = g_value_get_enum (value);
      self->heap = NULL;
      break;
    case PROP_DEVICES:
      g_free (self->devices);
      self->devices = g_value_dup_string (value);
      self->heap = NULL;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_dmaheap_allocator_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstDmaHeapAllocator *self = GST_DMAHEAP_ALLOCATOR (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_HEAP:
      g_value_set_string (value, self->heap_spec);
      break;
    case PROP_USAGE:
      g_value_set_enum (value, self->usage);
      break;
    case PROP_HEAP_NAME:
      g_value_set_string (value,
          self->heap ? dmaheap_heap_name (self->heap) : NULL);
      break;
    case PROP_DEVICES:
      g_value_set_string (value, self->devices);
      break;
    case PROP_HEAP_REASON:
      g_value_set_string (value, self->heap ? self->heap_why : NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_dmaheap_allocator_finalize (GObject * object)
{
  GstDmaHeapAllocator *self = GST_DMAHEAP_ALLOCATOR (object);

  dmaheap_ctx_destroy (self->ctx);
  g_free (self->heap_spec);
  g_free (self->devices);
  g_free (self->heap_why);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_dmaheap_allocator_parent_class)->finalize (object);
}

static void
gst_dmaheap_allocator_class_init (GstDmaHeapAllocatorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstAllocatorClass *allocator_class = GST_ALLOCATOR_CLASS (klass);

  gobject_class->set_property = gst_dmaheap_allocator_set_property;
  gobject_class->get_property = gst_dmaheap_allocator_get_property;
  gobject_class->finalize = gst_dmaheap_allocator_finalize;
  allocator_class->alloc = gst_dmaheap_allocator_alloc;

  g_object_class_install_property (gobject_class, PROP_HEAP,
      g_param_spec_string ("heap", "Heap",
          "dma-buf heap to allocate from, or a comma-separated list tried in "
          "order (e.g. \"default_cma_region,system\"); empty: the usage's "
          "heaps from the libdmaheap policy (DMAHEAP_HEAPS)", NULL,
          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_USAGE,
      g_param_spec_enum ("usage", "Usage",
          "Which device uses the buffers; picks the heap list when no heap "
          "is given (scanout, camera, codec: contiguous heaps first)",
          GST_TYPE_DMAHEAP_USAGE, DEFAULT_USAGE,
          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_DEVICES,
      g_param_spec_string ("devices", "Devices",
          "Comma-separated devices that use the buffers (/dev/video0, "
          "/dev/dri/card0, ...): with no heap given, allocate from the "
          "cheapest heap all of them accept, as libdmaheap learns them; a "
          "device whose needs are unknown falls back to the usage's heaps",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_HEAP_REASON,
      g_param_spec_string ("heap-reason", "Heap reason",
          "Why the heap was chosen for the devices (NULL until resolved, or "
          "when not chosen for devices)", NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_HEAP_NAME,
      g_param_spec_string ("heap-name", "Heap name",
          "The heap allocations come from (NULL until the first allocation "
          "or gst_dmaheap_allocator_resolve())", NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
gst_dmaheap_allocator_init (GstDmaHeapAllocator * self)
{
  GstAllocator *allocator = GST_ALLOCATOR (self);

  g_mutex_init (&self->lock);
  self->usage = DEFAULT_USAGE;
  /* GstFdAllocator only wraps fds it is given; this one allocates, so
   * gst_allocator_alloc() must reach our alloc vfunc. */
  GST_OBJECT_FLAG_UNSET (allocator, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC);
}

GstAllocator *
gst_dmaheap_allocator_new (const gchar * heap, GstDmaHeapUsage usage)
{
  GstAllocator *allocator = g_object_new (GST_TYPE_DMAHEAP_ALLOCATOR,
      "heap", heap, "usage", usage, NULL);

  return gst_object_ref_sink (allocator);
}
