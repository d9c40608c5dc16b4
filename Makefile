# One command builds everything: `make`.
#   make                  userspace (meson + ninja into build/) and the kernel
#                         modules for the test bed's kernels (build/kernel/<kind>/)
#   make KDIR=/path/tree  the kernel modules for that tree instead (build/kernel/custom/)
#   make userspace | modules | check | demo | clean
# Warnings are errors (meson -Dwerror=true; kernel/build passes -Werror).

ifdef KDIR
MODULE_TARGETS := modules-custom
else
MODULE_TARGETS := modules-test modules-stock
endif

all: userspace modules

build/build.ninja:
	mkdir -p build
	meson setup build -Dwerror=true

userspace: build/build.ninja
	ninja -C build

modules: $(MODULE_TARGETS)

modules-test modules-stock modules-bench: modules-%:
	kernel/build "$$(testbed/vm/build-kernel --module-tree $*)" build/kernel/$*

modules-custom:
	kernel/build "$(KDIR)" build/kernel/custom

check:
	./check

demo:
	./demo

clean:
	rm -rf build

.PHONY: all userspace modules modules-test modules-stock modules-bench modules-custom check demo clean
