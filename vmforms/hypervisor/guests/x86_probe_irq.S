/*
 * The probe guest's interrupt and multiprocessor parts, included by x86_probe.S (long
 * mode, kernel): one interrupt through the 8259 PIC, and CPU 1 started by INIT/SIPI.
 */
/* Start CPU 1 as a PC's firmware does (SDM vol. 3A 8.4.4.1): INIT, then a STARTUP IPI
 * whose vector is the page of ap_start, through the local APIC's ICR; CPU 1 then runs in
 * real mode in its own vCPU thread, says so on COM1 and sets ap_up. */
ap_probe:
        mov eax, 1
        cpuid
        test ecx, 1 << 21                       /* x2APIC? (kvm_pvm serves only it) */
        jz 4f
        mov ecx, MSR_APIC_BASE                  /* x2APIC mode: the ICR is an MSR */
        rdmsr
        or eax, 0xc00                           /* EN | EXTD */
        wrmsr
        mov ecx, MSR_X2APIC_ICR
        mov edx, 1                              /* destination: x2APIC ID 1 */
        mov eax, 0x4500                         /* INIT, assert */
        wrmsr
        mov eax, OFFSET ap_start
        shr eax, 12
        or eax, 0x4600                          /* STARTUP, vector = page */
        mov edx, 1
        wrmsr
        jmp 5f
4:      mov ebx, LAPIC_BASE                     /* xAPIC: the ICR in the APIC's page */
        mov dword ptr [rbx + 0x310], 1 << 24    /* ICR high: APIC ID 1 */
        mov dword ptr [rbx + 0x300], 0x4500
        mov eax, OFFSET ap_start
        shr eax, 12
        or eax, 0x4600
        mov dword ptr [rbx + 0x310], 1 << 24
        mov dword ptr [rbx + 0x300], eax
5:      mov ecx, AP_WAIT_LOOPS
1:      cmp byte ptr [ap_up], 0
        jne 2f
        dec ecx
        jnz 1b
        lea rsi, [rip + msg_no_ap]
        jmp puts
2:      lea rsi, [rip + msg_ap_seen]
        jmp puts

/* One interrupt through the 8259 PIC: COM1's "transmitter empty" on IRQ 4, vector 0x24. */
irq_probe:
        mov al, 0x11                    /* ICW1: edge, cascade, ICW4 follows */
        out 0x20, al
        out 0xa0, al
        mov al, 0x20                    /* ICW2: vectors 0x20-0x27 */
        out 0x21, al
        mov al, 0x28                    /*       and 0x28-0x2f */
        out 0xa1, al
        mov al, 0x04                    /* ICW3: the slave on IRQ 2 */
        out 0x21, al
        mov al, 0x02
        out 0xa1, al
        mov al, 0x01                    /* ICW4: 8086 mode */
        out 0x21, al
        out 0xa1, al
        mov al, 0xef                    /* OCW1: only IRQ 4 */
        out 0x21, al
        mov al, 0xff
        out 0xa1, al
        mov dx, COM1 + 4
        mov al, 0x08                    /* MCR OUT2: the UART's interrupt onto the bus */
        out dx, al
        mov dx, COM1 + 1
        mov al, 0x02                    /* IER: transmitter holding register empty */
        out dx, al
        mov ecx, IRQ_WAIT_LOOPS
        sti
1:      cmp byte ptr [irq_seen], 0
        jne 2f
        dec ecx
        jnz 1b
2:      cli
        lea rsi, [rip + msg_irq]
        cmp byte ptr [irq_seen], 0
        jne 3f
        lea rsi, [rip + msg_no_irq]
3:      call puts
        ret

irq4_entry:
        push rax
        push rdx
        mov dx, COM1 + 2
        in al, dx                       /* IIR: reading it acknowledges THRE */
        mov dx, COM1 + 1
        xor eax, eax
        out dx, al                      /* IER: no more */
        mov byte ptr [irq_seen], 1
        mov al, 0x20                    /* OCW2: end of interrupt */
        out 0x20, al
        pop rdx
        pop rax
        iretq

/* The 8254 PIT on IRQ 0 (vector 0x20), programmed as Linux programs it: counter 0 as the
 * periodic tick (mode 2 at 1 kHz) until PIT_TICKS + 1 interrupts, markers 9 and 10 around
 * the last PIT_TICKS; counter 0 as the one-shot clockevent (mode 4); then counter 2, gated
 * by port 0x61 as the TSC calibration runs it (mode 0), latched once while it counts and
 * polled until its OUT rises, markers 11 and 12 around it, interrupts on throughout: the
 * one-shot must not fire again. */
pit_probe:
        mov al, 0xfe                    /* OCW1: only IRQ 0 */
        out 0x21, al
        mov dword ptr [pit_ticks], 0
        mov al, 0x34                    /* counter 0, LSB then MSB, mode 2, binary */
        out 0x43, al
        mov al, PIT_1KHZ & 0xff
        out 0x40, al
        mov al, PIT_1KHZ >> 8
        out 0x40, al
        sti
1:      hlt
        cmp dword ptr [pit_ticks], 1
        jb 1b
        mov eax, 9
        call marker
2:      hlt
        cmp dword ptr [pit_ticks], PIT_TICKS + 1
        jb 2b
        mov eax, 10
        call marker
        cli
        lea rsi, [rip + msg_pit_ticks]
        call puts

        mov al, 0x30                    /* counter 0, mode 0 and a count of 0: stopped as */
        out 0x43, al                    /* Linux stops it (KVM's PIT ignores the mode */
        xor eax, eax                    /* alone); it would run out in 55 ms */
        out 0x40, al
        out 0x40, al
        sti                             /* a tick latched before the stop is taken here, */
        mov dx, EXIT_PORT               /* at the latest at this exit, where a monitor */
        out dx, al                      /* without an in-kernel PIC injects */
        nop
        cli
        mov dword ptr [pit_ticks], 0
        mov al, 0x38                    /* counter 0, mode 4: software-triggered strobe */
        out 0x43, al
        mov al, PIT_ONESHOT & 0xff
        out 0x40, al
        mov al, PIT_ONESHOT >> 8
        out 0x40, al
        sti
3:      hlt
        cmp dword ptr [pit_ticks], 0
        je 3b

        in al, 0x61
        and al, 0xfc                    /* speaker off */
        or al, 0x01                     /* counter 2's gate on */
        out 0x61, al
        mov al, 0xb0                    /* counter 2, LSB then MSB, mode 0 */
        out 0x43, al
        mov eax, 11
        call marker
        mov al, PIT_COUNTER2 & 0xff
        out 0x42, al
        mov al, PIT_COUNTER2 >> 8
        out 0x42, al
        mov al, 0x80                    /* counter latch, counter 2 */
        out 0x43, al
        in al, 0x42
        mov ah, al
        in al, 0x42
        xchg al, ah                     /* ax: the latched count */
        lea rsi, [rip + msg_pit_latch]
        test ax, ax
        jz 9f
        cmp ax, PIT_COUNTER2
        jb 5f
9:      lea rsi, [rip + msg_pit_latch_bad]
5:      call puts
        mov ecx, PIT_POLLS
6:      in al, 0x61
        test al, 0x20                   /* OUT 2 */
        jnz 7f
        dec ecx
        jnz 6b
        cli
        lea rsi, [rip + msg_pit_no_out2]
        jmp puts
7:      mov eax, 12
        call marker
        cli
        lea rsi, [rip + msg_pit_out2]
        call puts
        lea rsi, [rip + msg_pit_oneshot]
        cmp dword ptr [pit_ticks], 1
        je 8f
        lea rsi, [rip + msg_pit_oneshot_again]
8:      jmp puts

irq0_entry:
        push rax
        inc dword ptr [pit_ticks]
        mov al, 0x20                    /* OCW2: end of interrupt */
        out 0x20, al
        pop rax
        iretq
