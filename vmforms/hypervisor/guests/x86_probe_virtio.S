/*
 * Included by x86_probe.S: every virtio-mmio slot of the board (virtio 1.2 section
 * 4.2.2), one line per device found: its slot and its DeviceID (1 net, 2 block,
 * 3 console, 4 entropy). A slot whose MagicValue is wrong or whose DeviceID is 0 is
 * empty, as Linux's virtio_mmio driver skips it.
 */
        .set VIRTIO_SLOTS, 8
        .set VIRTIO_STRIDE, 0x1000

virtio_scan:
        mov ebx, VIRTIO_BASE
        xor r8d, r8d                        /* the slot */
1:      cmp dword ptr [rbx + 0x000], 0x74726976
        jne 2f
        mov r9d, dword ptr [rbx + 0x008]    /* DeviceID */
        test r9d, r9d
        jz 2f
        lea rsi, [rip + msg_slot]
        call puts
        mov eax, r8d
        call put_digit
        lea rsi, [rip + msg_slot_device]
        call puts
        mov eax, r9d
        call put_digit
        mov al, 10
        mov dx, COM1
        out dx, al
2:      add ebx, VIRTIO_STRIDE
        inc r8d
        cmp r8d, VIRTIO_SLOTS
        jne 1b
        ret

/* eax's low nibble as one hex digit on COM1. */
put_digit:
        push rdx
        and eax, 0xf
        add al, '0'
        cmp al, '9'
        jbe 1f
        add al, 'a' - '9' - 1
1:      mov dx, COM1
        out dx, al
        pop rdx
        ret

msg_slot:        .asciz "x86 probe: virtio slot "
msg_slot_device: .asciz " device "
