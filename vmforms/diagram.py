"""The demo's layered diagram: one stack per form, from the hardware up, drawn as SVG.

Layers a form shares with the host are drawn in the host's colour; the layers it brings
or emulates itself are coloured by form, so the eye sees where each form makes its cut.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

SHARED = "#d9d9d9"
OWN = {"host": "#9ecae1", "container": "#a1d99b", "vm": "#fdae6b", "kvm": "#fdd0a2",
       "jvm": "#bcbddc", "ruby": "#fcbba1", "vmcontainer": "#fdae6b"}
# the nested form's own layers: the VM's in its colour, the container's in the container's
NESTED_CONTAINER = "#a1d99b"
BOX_W, BOX_H, GAP, MARGIN = 230, 54, 6, 20


def _layers(form: str, v: dict[str, Any], host_kernel: str, host_machine: str
            ) -> list[tuple[str, str, bool]]:
    """(title, detail, own?) from the bottom up."""
    hw = ("hardware", f"the host's {host_machine} CPU and memory", False)
    kernel = ("host kernel", f"Linux {host_kernel}", False)
    if form == "host":
        return [hw, kernel, ("process", "a shell and the probe", True)]
    if form == "container":
        return [hw, kernel,
                ("namespaces + cgroups", "pid, mount, uts, ipc, net, cgroup", True),
                ("container", f"PID 1 = {v.get('pid1', '')[:28]}", True)]
    if form == "vm":
        return [hw, kernel,
                ("emulated hardware", "our RISC-V CPU, "
                 f"{v.get('guest_instructions', 0) / 1e6:.1f} M instructions", True),
                ("guest kernel", f"Linux {v.get('kernel', '')} ({v.get('machine', '')})", True),
                ("guest userland", f"PID 1 = {v.get('pid1', '')[:28]}", True)]
    if form == "vmcontainer":
        return [hw, kernel,
                ("emulated hardware", "our RISC-V CPU: "
                 f"{v.get('guest_instructions', 0) / 1e6:.1f} M (resumed)", True),
                ("guest kernel", f"Linux {v.get('kernel', '')} ({v.get('machine', '')})", True),
                ("namespaces + cgroups", "the guest kernel's, by its agent", True),
                ("container", f"PID 1 = {v.get('pid1', '')[:28]}", True)]
    if form == "kvm":
        return [("hardware", f"the host's {host_machine} CPU, in guest mode", False), kernel,
                ("KVM + our monitor",
                 f"exits served in Python, {v.get('exit_ns', 0) / 1e3:.0f} us each", True),
                ("guest kernel", "the probe's tiny x86-64 kernel", True),
                ("guest userland", "a ring-3 probe", True)]
    if form == "ruby":
        return [hw, kernel,
                ("YARV instruction VM",
                 f"our interpreter, {v.get('instructions', 0):,} instructions", True),
                ("Ruby program", "the probe, compiled by ruby to an iseq", True)]
    return [hw, kernel,
            ("bytecode VM", f"our interpreter, {v.get('bytecodes', 0):,} bytecodes", True),
            ("Java program", "Probe.class, compiled by javac", True)]


def render(columns: dict[str, Any], host_kernel: str, host_machine: str) -> str:
    """`columns` maps a form to its JSON record (see demo.to_json)."""
    forms = list(columns)
    stacks = {f: _layers(f, columns[f], host_kernel, host_machine) for f in forms}
    tallest = max(len(s) for s in stacks.values())
    width = MARGIN * 2 + len(forms) * (BOX_W + MARGIN)
    height = MARGIN * 2 + 40 + tallest * (BOX_H + GAP) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    titles = {"host": "host", "container": "container", "vm": "virtual machine",
              "vmcontainer": "container in a VM",
              "kvm": "virtual machine (KVM)", "jvm": "JVM", "ruby": "Ruby (YARV)"}
    for i, form in enumerate(forms):
        x = MARGIN + i * (BOX_W + MARGIN)
        out.append(f'<text x="{x + BOX_W / 2}" y="{MARGIN + 16}" text-anchor="middle" '
                   f'font-size="16" font-weight="bold">{escape(titles.get(form, form))}</text>')
        record = columns[form]
        if not record.get("available", True):
            out.append(f'<text x="{x + BOX_W / 2}" y="{MARGIN + 60}" text-anchor="middle" '
                       f'font-size="11">unavailable: {escape(str(record.get("reason", ""))[:40])}'
                       '</text>')
            continue
        base = height - MARGIN - 30
        for level, (title, detail, own) in enumerate(stacks[form]):
            y = base - (level + 1) * (BOX_H + GAP)
            fill = OWN.get(form, "#eeeeee") if own else SHARED
            if form == "vmcontainer" and own and level >= 4:
                fill = NESTED_CONTAINER
            out.append(f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
                       f'fill="{fill}" stroke="#555"/>')
            out.append(f'<text x="{x + 10}" y="{y + 21}" font-size="13" font-weight="bold">'
                       f'{escape(title)}</text>')
            out.append(f'<text x="{x + 10}" y="{y + 40}" font-size="11">{escape(detail)}</text>')
    out.append(f'<text x="{MARGIN}" y="{height - 12}" font-size="11">grey: shared with the '
               'host; colour: what the form brings or emulates itself</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
