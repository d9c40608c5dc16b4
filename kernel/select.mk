# SPDX-License-Identifier: GPL-2.0
# Which dmaheap modules a kernel gets, and why: included by Kbuild (building)
# and by Makefile (make list / make explain, used by dkms.conf), so DKMS and
# the build never disagree.
#
# In:  CONFIG_* of the target kernel, dmaheap-ktree (its build tree)
# Out: dmaheap-error    why nothing can be built (empty when all is well)
#      dmaheap-kver     the kernel's version, major * 100 + minor
#      dmaheap-core     own | registrar | kernel
#      dmaheap-modules  module names, in load order
#      dmaheap-system-name  the name of dmaheap's pooled system heap
#      dmaheap-kernel-mem-accounting  y when the kernel's core exports its
#                       mem_accounting switch
#      dmaheap-why      one "dmaheap: ..." line per decision, joined by ";;"
#      $(dmaheap-print-why) prints those lines

dmaheap-empty :=
dmaheap-space := $(dmaheap-empty) $(dmaheap-empty)
dmaheap-print-why = $(foreach l,$(subst ;;, ,$(subst $(dmaheap-space),^,$(dmaheap-why))),$(info $(subst ^,$(dmaheap-space),$(l))))

dmaheap-release := $(strip $(shell cat $(dmaheap-ktree)/include/config/kernel.release 2>/dev/null))
dmaheap-version := $(shell echo '$(dmaheap-release)' | sed -n 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
# major * 100 + minor, for kernel/include/dmaheap/compat.h
dmaheap-kver := $(shell v='$(dmaheap-version)'; [ -n "$$v" ] && echo $$(( $${v% *} * 100 + $${v#* } )))
dmaheap-symvers := $(dmaheap-ktree)/Module.symvers
dmaheap-error :=

ifeq ($(dmaheap-release),)
dmaheap-error := $(dmaheap-ktree) is not a configured kernel tree (no include/config/kernel.release): install the kernel's headers (Debian: apt-get install linux-headers-$$(uname -r)) or run make modules_prepare in its source
else ifeq ($(shell [ '$(dmaheap-kver)' -ge 601 ] 2>/dev/null && echo ok),)
dmaheap-error := kernel $(dmaheap-release) is older than 6.1, the oldest kernel dmaheap supports: use Debian 12's 6.1 or newer
endif

ifeq ($(CONFIG_DMABUF_HEAPS),y)
ifeq ($(wildcard $(dmaheap-symvers)),)
ifeq ($(dmaheap-error),)
dmaheap-error := kernel $(dmaheap-release) has a built-in dma-heap core but its tree has no Module.symvers, so dmaheap cannot tell whether the core exports dma_heap_add: build the kernel (make modules) or install its complete headers package
endif
# Mainline's export (6.18+) is in the DMA_BUF_HEAP namespace and takes
# u32/u64 flags; an export without it (Android's older kernels) may differ
# in its ops, so those get the registrar's own nodes, which are always safe.
else ifneq ($(shell awk -F'\t' '$$2 == "dma_heap_add" && $$5 == "DMA_BUF_HEAP" { print $$2 }' $(dmaheap-symvers)),)
dmaheap-core := kernel
dmaheap-why := dmaheap: kernel $(dmaheap-release) has its own dma-heap core and exports dma_heap_add: dmaheap_registrar registers dmaheap's heaps through it
# Its mem_accounting switch (7.0+) then covers dmaheap's heaps too.
dmaheap-kernel-mem-accounting := $(shell awk -F'\t' '$$2 == "mem_accounting" && $$5 == "DMA_BUF_HEAP" { print "y" }' $(dmaheap-symvers))
else
dmaheap-core := registrar
dmaheap-why := dmaheap: kernel $(dmaheap-release) has its own dma-heap core but does not export dma_heap_add (in DMA_BUF_HEAP): dmaheap_registrar gives dmaheap's heaps nodes of its own in /dev/dma_heap
endif
else
dmaheap-core := own
dmaheap-why := dmaheap: kernel $(dmaheap-release) has no dma-heap core (CONFIG_DMABUF_HEAPS is off): dmaheap_core provides /dev/dma_heap
endif

ifeq ($(dmaheap-core),own)
dmaheap-modules := dmaheap_core
else
dmaheap-modules := dmaheap_registrar
endif
dmaheap-modules += dmaheap_helpers dmaheap_system

# Never a second "system": beside the kernel's system heap (built in or a
# module), dmaheap's pooled one takes a name of its own.
ifneq ($(filter y m,$(CONFIG_DMABUF_HEAPS_SYSTEM)),)
dmaheap-system-name := system-pooled
dmaheap-why := $(dmaheap-why);;dmaheap: dmaheap_system is "system-pooled": the kernel has its own "system" heap (CONFIG_DMABUF_HEAPS_SYSTEM=$(CONFIG_DMABUF_HEAPS_SYSTEM))
else
dmaheap-system-name := system
dmaheap-why := $(dmaheap-why);;dmaheap: dmaheap_system is "system"
endif

ifneq ($(filter y m,$(CONFIG_DMABUF_HEAPS_CMA)),)
dmaheap-why := $(dmaheap-why);;dmaheap: dmaheap_cma not built: the kernel has its own CMA heap (CONFIG_DMABUF_HEAPS_CMA=$(CONFIG_DMABUF_HEAPS_CMA))
else ifneq ($(CONFIG_DMA_CMA),y)
dmaheap-why := $(dmaheap-why);;dmaheap: dmaheap_cma not built: the kernel has no CMA (CONFIG_DMA_CMA is off)
else
dmaheap-modules += dmaheap_cma
dmaheap-why := $(dmaheap-why);;dmaheap: dmaheap_cma is "default_cma_region"
endif

# Carveout heaps allocate with genalloc, which the kernel has only when some
# other option selects it (Debian's kernels have it).
ifeq ($(CONFIG_GENERIC_ALLOCATOR),y)
dmaheap-modules += dmaheap_carveout
dmaheap-why := $(dmaheap-why);;dmaheap: dmaheap_carveout makes a heap of each range given in its parameters carveout= and unmapped=
else
dmaheap-why := $(dmaheap-why);;dmaheap: dmaheap_carveout not built: the kernel has no genalloc (CONFIG_GENERIC_ALLOCATOR is off)
endif
