/*
 * The x86-64 probe guest: a flat binary loaded at 0x8000 and entered in real mode.
 *
 * It walks the way a PC boots (Intel SDM vol. 3A 9.8 "Initializing IA-32e mode"): real
 * mode -> protected mode with paging -> long mode, then a tiny kernel sets up SYSCALL
 * (STAR/LSTAR/SFMASK), a TSS, and drops to ring 3 with SYSRETQ. The ring-3 probe makes
 * system calls (write, getpid, exit) that this kernel serves. Along the way it reads and
 * writes MMIO registers (virtio-mmio 1.2 section 4.2.2) and reads sector 0 of a virtio-blk
 * disk through a split virtqueue (section 2.7), printing everything on COM1 (8250 at
 * 0x3f8). Progress markers (32-bit writes to MARKER_PORT, by the kernel; ring 3 asks with
 * a private system call) let the monitor time the kernel-mode loop, the user-mode loop
 * and the system calls from the outside.
 *
 * Assembled with --defsym PVH=1 it also carries a Xen PVH note (XEN_ELFNOTE_PHYS32_ENTRY)
 * and enters at pvh_start in 32-bit protected mode instead, as QEMU and Firecracker boot
 * a vmlinux: the same guest then runs under any PVH-capable monitor.
 *
 * The monitor passes boot flags in ESI: bit 0 set = power off by HLT (no in-kernel
 * interrupt controller, so HLT exits to the monitor); clear = the i8042 reset pulse
 * (out 0xfe to port 0x64), as Linux's reboot=k and Firecracker's guests do. Bit 1 set =
 * there is a CPU 1 with an in-kernel local APIC: start it with INIT and STARTUP IPIs.
 * Bit 2 set = take interrupts from the 8254 PIT (pit_probe); a PVH boot has no flags.
 */
        .intel_syntax noprefix

        .set COM1, 0x3f8
        .set MARKER_PORT, 0xf80
        .set I8042_COMMAND, 0x64
        .set I8042_PULSE_RESET, 0xfe
        .set VIRTIO_BASE, 0xd0000000
        .set TSS, 0x6000
        .set IDT, 0x5000
        .set SYSCALL_VECTOR, 0x80
        .set IRQ4_VECTOR, 0x24
        .set IRQ0_VECTOR, 0x20
        .set PIT_1KHZ, 1193                 /* 1.193182 MHz / 1000, Linux's PIT_LATCH */
        .set PIT_TICKS, 20
        .set PIT_ONESHOT, 5966              /* 5 ms */
        .set PIT_COUNTER2, 23864            /* 20 ms */
        .set PIT_POLLS, 2000000
        .set IRQ_WAIT_LOOPS, 20000
        .set AP_WAIT_LOOPS, 200000
        .set LAPIC_BASE, 0xfee00000
        .set MSR_APIC_BASE, 0x1b
        .set MSR_X2APIC_ICR, 0x830
        .set VQ_DESC, 0x20000
        .set VQ_AVAIL, 0x20080
        .set VQ_USED, 0x20100
        .set BLK_REQ, 0x21000
        .set BLK_STATUS, 0x21010
        .set BLK_BUF, 0x22000
        .set KERNEL_LOOP, 100000
        .set EXIT_BURST, 1000
        .set EXIT_PORT, 0xf84
        .set USER_LOOP, 100000000
        .set USER_SYSCALLS, 200
        .set SYS_MARKER, 0x1000
        .set MSR_EFER, 0xc0000080
        .set MSR_STAR, 0xc0000081

        .text
        .code16
        .globl _start
_start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7c00
        mov dword ptr [boot_flags], esi
        mov si, OFFSET msg_real
        call puts16
        lgdt [gdt_desc]
        mov eax, cr4
        or eax, 0x20                    /* CR4.PAE */
        mov cr4, eax
        mov eax, OFFSET pml4
        mov cr3, eax
        mov ecx, MSR_EFER
        rdmsr
        or eax, 0x100                   /* EFER.LME */
        wrmsr
        mov eax, cr0
        or eax, 0x80000001              /* CR0.PG | CR0.PE: long mode is active */
        mov cr0, eax
        .byte 0x66, 0xea                /* ljmp 0x08:long_start, a 32-bit offset */
        .long long_start
        .word 0x08

puts16:
        mov dx, COM1
1:      lodsb
        test al, al
        jz 2f
        out dx, al
        jmp 1b
2:      ret

        .code32
pvh_start:                              /* PVH: flat 32-bit segments, paging off */
        cli
        lgdt [gdt_desc]
        mov esi, OFFSET msg_pvh
        mov dx, COM1
1:      lodsb
        test al, al
        jz 2f
        out dx, al
        jmp 1b
2:      mov eax, cr4
        or eax, 0x20                    /* CR4.PAE */
        mov cr4, eax
        mov eax, OFFSET pml4
        mov cr3, eax
        mov ecx, MSR_EFER
        rdmsr
        or eax, 0x100                   /* EFER.LME */
        wrmsr
        mov eax, cr0
        or eax, 0x80000001
        mov cr0, eax
        .byte 0xea                      /* ljmp 0x08:long_start */
        .long long_start
        .word 0x08

        .ifdef PVH
        .pushsection .note.pvh, "a", @note
        .balign 4
        .long 4                         /* namesz: "Xen" */
        .long 4                         /* descsz */
        .long 18                        /* XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .long pvh_start
        .popsection
        .endif

        .code64
long_start:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor eax, eax
        mov fs, ax
        mov gs, ax
        mov rsp, OFFSET kstack_top
        lea rsi, [rip + msg_long]
        call puts

        /* Kernel mode: a counted loop of 2 instructions per turn, timed by the monitor. */
        mov eax, 1
        call marker
        mov ecx, KERNEL_LOOP
1:      dec ecx
        jnz 1b
        mov eax, 2
        call marker

        call virtio_probe
        call virtio_scan

        /* EXIT_BURST port writes that no device claims: each one a full exit to the
         * monitor and back. The guest times them with RDTSC and prints the count. */
        mov eax, 7
        call marker
        rdtsc
        shl rdx, 32
        or rax, rdx
        mov r12, rax
        mov ecx, EXIT_BURST
        mov dx, EXIT_PORT
1:      out dx, al
        dec ecx
        jnz 1b
        rdtsc
        shl rdx, 32
        or rax, rdx
        sub rax, r12
        mov r12, rax
        mov eax, 8
        call marker
        lea rsi, [rip + msg_exits]
        call puts
        mov rax, r12
        call put_hex
        lea rsi, [rip + msg_ticks]
        call puts

        /* The IDT: every vector to fault_entry, vector 0x80 (DPL 3) to the system calls. */
        lea rax, [rip + fault_entry]
        mov esi, 0x8e                   /* present, DPL 0, 64-bit interrupt gate */
        call gate
        mov edi, IDT
        mov ecx, 256
1:      mov qword ptr [rdi], rdx
        mov qword ptr [rdi + 8], 0
        add rdi, 16
        loop 1b
        lea rax, [rip + syscall_entry]
        mov esi, 0xee                   /* present, DPL 3: ring 3 may raise it */
        call gate
        mov qword ptr [IDT + 16 * SYSCALL_VECTOR], rdx
        lea rax, [rip + ud_entry]
        mov esi, 0x8e
        call gate
        mov qword ptr [IDT + 16 * 6], rdx
        lea rax, [rip + irq4_entry]
        mov esi, 0x8e
        call gate
        mov qword ptr [IDT + 16 * IRQ4_VECTOR], rdx
        lea rax, [rip + irq0_entry]
        mov esi, 0x8e
        call gate
        mov qword ptr [IDT + 16 * IRQ0_VECTOR], rdx
        lidt [rip + idt_desc]
        call irq_probe
        test dword ptr [boot_flags], 4
        jz 1f
        call pit_probe
1:
        test dword ptr [boot_flags], 2
        jz 1f
        call ap_probe
1:
        mov rax, OFFSET kstack_top
        mov qword ptr [TSS + 4], rax    /* RSP0: the stack the gate switches to */
        mov ax, 0x28
        ltr ax

        /* To ring 3: SYSRETQ takes CS 0x20|3 and SS 0x18|3 from STAR[63:48] = 0x10. */
        mov ecx, MSR_STAR
        xor eax, eax
        mov edx, 0x00100008
        wrmsr
        lea rcx, [rip + user_start]
        mov r11, 0x0002                 /* interrupts off, IOPL 0: ring 3 has no ports */
        mov rsp, OFFSET ustack_top
        sysretq

        .include "x86_probe_irq.S"
        .include "x86_probe_virtio.S"

/* rax: a handler, esi: the gate's attribute byte -> rdx: the gate's low quadword. */
gate:
        mov rdx, rax
        and edx, 0xffff                 /* offset 15:0 */
        or edx, 0x00080000              /* selector 0x08 */
        mov rcx, rsi
        shl rcx, 40
        or rdx, rcx
        mov rcx, rax
        shr rcx, 16
        and ecx, 0xffff
        shl rcx, 48                     /* offset 31:16 */
        or rdx, rcx
        ret

/* rsi: a NUL-terminated string to COM1. */
puts:
        push rdx
        mov dx, COM1
1:      lodsb
        test al, al
        jz 2f
        out dx, al
        jmp 1b
2:      pop rdx
        ret

/* rax as 16 hex digits on COM1. */
put_hex:
        mov rdi, rax
        mov ecx, 16
        mov dx, COM1
1:      rol rdi, 4
        mov eax, edi
        and eax, 0xf
        add al, '0'
        cmp al, '9'
        jbe 2f
        add al, 'a' - '9' - 1
2:      out dx, al
        dec ecx
        jnz 1b
        ret

marker:
        push rdx
        mov dx, MARKER_PORT
        out dx, eax
        pop rdx
        ret

/* A virtio-mmio driver for slot 0, just enough for one read of sector 0. */
virtio_probe:
        mov ebx, VIRTIO_BASE
        mov eax, dword ptr [rbx + 0x000]    /* MagicValue: an MMIO read */
        cmp eax, 0x74726976
        jne 9f
        lea rsi, [rip + msg_mmio]
        call puts
        cmp dword ptr [rbx + 0x004], 2      /* Version */
        jne 8f
        cmp dword ptr [rbx + 0x008], 2      /* DeviceID: block */
        jne 8f
        mov dword ptr [rbx + 0x070], 0      /* Status: reset */
        mov dword ptr [rbx + 0x070], 1      /* ACKNOWLEDGE */
        mov dword ptr [rbx + 0x070], 3      /* DRIVER */
        mov dword ptr [rbx + 0x024], 1      /* DriverFeaturesSel 1 */
        mov dword ptr [rbx + 0x020], 1      /* VIRTIO_F_VERSION_1 */
        mov dword ptr [rbx + 0x024], 0
        mov dword ptr [rbx + 0x020], 0
        mov dword ptr [rbx + 0x070], 11     /* FEATURES_OK */
        test dword ptr [rbx + 0x070], 8     /* the write is read back */
        jz 7f
        mov dword ptr [rbx + 0x030], 0      /* QueueSel */
        mov dword ptr [rbx + 0x038], 8      /* QueueNum */
        mov dword ptr [rbx + 0x080], VQ_DESC
        mov dword ptr [rbx + 0x084], 0
        mov dword ptr [rbx + 0x090], VQ_AVAIL
        mov dword ptr [rbx + 0x094], 0
        mov dword ptr [rbx + 0x0a0], VQ_USED
        mov dword ptr [rbx + 0x0a4], 0
        mov dword ptr [rbx + 0x044], 1      /* QueueReady */
        mov dword ptr [rbx + 0x070], 15     /* DRIVER_OK */

        /* struct virtio_blk_req: type IN, reserved, sector 0; then data, then status. */
        mov dword ptr [BLK_REQ], 0
        mov dword ptr [BLK_REQ + 4], 0
        mov qword ptr [BLK_REQ + 8], 0
        mov byte ptr [BLK_STATUS], 0xff
        mov qword ptr [VQ_DESC + 0], BLK_REQ
        mov dword ptr [VQ_DESC + 8], 16
        mov word ptr [VQ_DESC + 12], 1      /* NEXT */
        mov word ptr [VQ_DESC + 14], 1
        mov qword ptr [VQ_DESC + 16], BLK_BUF
        mov dword ptr [VQ_DESC + 24], 512
        mov word ptr [VQ_DESC + 28], 3      /* NEXT | WRITE */
        mov word ptr [VQ_DESC + 30], 2
        mov qword ptr [VQ_DESC + 32], BLK_STATUS
        mov dword ptr [VQ_DESC + 40], 1
        mov word ptr [VQ_DESC + 44], 2      /* WRITE */
        mov word ptr [VQ_DESC + 46], 0
        mov word ptr [VQ_AVAIL + 0], 1      /* VIRTQ_AVAIL_F_NO_INTERRUPT: we poll */
        mov word ptr [VQ_AVAIL + 4], 0      /* ring[0] = head 0 */
        mov word ptr [VQ_AVAIL + 2], 1      /* idx */
        mov dword ptr [rbx + 0x050], 0      /* QueueNotify */
1:      cmp word ptr [VQ_USED + 2], 1
        jne 1b
        cmp byte ptr [BLK_STATUS], 0
        jne 7f
        lea rsi, [rip + msg_disk]
        call puts
        mov rsi, BLK_BUF
        mov ecx, 64
        mov dx, COM1
2:      lodsb
        cmp al, 10
        je 3f
        test al, al
        jz 3f
        out dx, al
        loop 2b
3:      mov al, 10
        out dx, al
        ret
7:      lea rsi, [rip + msg_disk_error]
        call puts
        ret
8:      lea rsi, [rip + msg_no_disk]
        call puts
        ret
9:      lea rsi, [rip + msg_no_mmio]
        call puts
        ret

/* The tiny kernel's system calls, by INT 0x80 from ring 3 (the gate switched to RSP0):
 * Linux's x86-64 numbers and registers (rax; rdi, rsi, rdx), the result in rax. */
syscall_entry:
        cmp rax, 1
        je sys_write
        cmp rax, 39
        je sys_getpid
        cmp rax, 60
        je sys_exit
        cmp rax, SYS_MARKER
        je sys_marker
        mov rax, -38                    /* ENOSYS */
sys_return:
        iretq

sys_marker:                             /* a private call: edi to the marker port */
        mov eax, edi
        call marker
        xor eax, eax
        jmp sys_return

sys_getpid:
        mov eax, 1
        jmp sys_return

sys_write:                              /* rdi fd (ignored), rsi buffer, rdx length */
        push rcx
        mov r8, rdx
        mov rcx, rdx
        mov dx, COM1
        rep outsb
        mov rax, r8
        pop rcx
        jmp sys_return

/* #UD. A nested-paging KVM that runs ring 3 on the host (kvm_pvm) reports INT 0x80 from
 * ring 3 as an invalid opcode at the INT: serve it as the system call it is. */
ud_entry:
        push rax
        mov rax, qword ptr [rsp + 8]    /* the faulting RIP */
        cmp word ptr [rax], 0x80cd      /* int 0x80 */
        pop rax
        jne fault_entry
        add qword ptr [rsp], 2          /* resume after it */
        jmp syscall_entry

fault_entry:
        lea rsi, [rip + msg_fault]
        call puts
        mov edi, 9
        jmp power_off

sys_exit:
        lea rsi, [rip + msg_exit]
        call puts
power_off:
        mov eax, edi
        and eax, 0x7f
        add al, '0'
        mov dx, COM1
        out dx, al
        mov al, 10
        out dx, al
        test dword ptr [boot_flags], 1
        jnz 1f
        mov al, I8042_PULSE_RESET
        out I8042_COMMAND, al
1:      cli
        hlt
        jmp 1b

/* Ring 3: user-mode code runs on the host CPU; every marker is one port write. */
user_start:
        mov edi, 3
        call user_marker
        mov rcx, USER_LOOP
1:      dec rcx
        jnz 1b
        mov edi, 4
        call user_marker
        mov eax, 1
        mov edi, 1
        lea rsi, [rip + msg_user]
        mov edx, OFFSET msg_user_end - msg_user
        int SYSCALL_VECTOR
        mov edi, 5
        call user_marker
        mov ebx, USER_SYSCALLS
2:      mov eax, 39
        int SYSCALL_VECTOR
        dec ebx
        jnz 2b
        mov edi, 6
        call user_marker
        mov eax, 60
        xor edi, edi
        int SYSCALL_VECTOR
3:      jmp 3b

user_marker:                            /* edi: the marker, through the kernel */
        mov eax, SYS_MARKER
        int SYSCALL_VECTOR
        ret

        .balign 4096
        .code16
ap_start:                               /* CS = the page, IP = 0: position-independent */
        cli
        xor ax, ax
        mov ds, ax
        mov si, OFFSET msg_ap
        mov dx, COM1
1:      lodsb
        test al, al
        jz 2f
        out dx, al
        jmp 1b
2:      mov byte ptr [ap_up], 1
3:      hlt
        jmp 3b
        .code64

        .data
msg_real:       .asciz "x86 probe: real mode\n"
msg_pvh:        .asciz "x86 probe: PVH entry, protected mode\n"
msg_long:       .asciz "x86 probe: long mode\n"
msg_mmio:       .asciz "x86 probe: mmio read virtio magic ok\n"
msg_no_mmio:    .asciz "x86 probe: no virtio-mmio device\n"
msg_no_disk:    .asciz "x86 probe: no virtio-blk disk\n"
msg_disk_error: .asciz "x86 probe: virtio-blk read failed\n"
msg_disk:       .asciz "x86 probe: disk: "
msg_exit:       .asciz "x86 probe: exit "
msg_ap:         .asciz "x86 probe: CPU 1 up, real mode\n"
msg_ap_seen:    .asciz "x86 probe: CPU 0 saw CPU 1\n"
msg_no_ap:      .asciz "x86 probe: CPU 1 did not start\n"
msg_irq:        .asciz "x86 probe: interrupt from COM1 (IRQ 4)\n"
msg_pit_ticks:  .asciz "x86 probe: 20 PIT ticks on IRQ 0 (counter 0, mode 2)\n"
msg_pit_latch:  .asciz "x86 probe: PIT counter 2 latched while counting\n"
msg_pit_latch_bad: .asciz "x86 probe: PIT counter 2 latched a wrong count\n"
msg_pit_out2:   .asciz "x86 probe: PIT counter 2 ran out (port 0x61)\n"
msg_pit_no_out2: .asciz "x86 probe: PIT counter 2 never ran out\n"
msg_pit_oneshot: .asciz "x86 probe: PIT one-shot fired once (counter 0, mode 4)\n"
msg_pit_oneshot_again: .asciz "x86 probe: PIT one-shot fired again\n"
msg_no_irq:     .asciz "x86 probe: no interrupt from COM1\n"
msg_exits:      .asciz "x86 probe: 1000 port exits in 0x"
msg_ticks:      .asciz " TSC ticks\n"
msg_fault:      .asciz "x86 probe: unexpected exception\n"
msg_user:       .ascii "x86 probe: hello from ring 3\n"
msg_user_end:
        .balign 8
boot_flags:     .quad 0
irq_seen:       .quad 0
pit_ticks:      .quad 0
ap_up:          .quad 0
user_rsp:       .quad 0

        .balign 8
gdt:
        .quad 0                         /* 0x00 null */
        .quad 0x00af9a000000ffff        /* 0x08 kernel code, 64-bit */
        .quad 0x00cf92000000ffff        /* 0x10 kernel data */
        .quad 0x00cff2000000ffff        /* 0x18 user data (SYSRET's SS) */
        .quad 0x00affa000000ffff        /* 0x20 user code, 64-bit (SYSRET's CS) */
        .quad 0x0000890060000067        /* 0x28 TSS at 0x6000, limit 103: low half */
        .quad 0                         /*      high half: base bits 63:32 */
gdt_end:
gdt_desc:
        .word gdt_end - gdt - 1
        .long gdt
idt_desc:
        .word 256 * 16 - 1
        .quad IDT

/* Identity map of the first 4 GiB with 2 MiB pages, user-accessible (the probe shares it). */
        .balign 4096
pml4:
        .quad pdpt + 7
        .fill 511, 8, 0
pdpt:
        .quad pd + 0x0007
        .quad pd + 0x1007
        .quad pd + 0x2007
        .quad pd + 0x3007
        .fill 508, 8, 0
pd:
        .set page, 0
        .rept 2048
        .quad page + 0x87               /* present, writable, user, 2 MiB */
        .set page, page + 0x200000
        .endr

        .bss
        .balign 4096
        .skip 4096
kstack_top:
        .skip 4096
ustack_top:
