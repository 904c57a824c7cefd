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
