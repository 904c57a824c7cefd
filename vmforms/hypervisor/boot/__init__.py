"""Linux boot on the virt board: the device tree, the Image header, the initramfs, the assets."""
