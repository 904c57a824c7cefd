package org.astro.internal;

import org.astro.spi.Star;

public class Sun implements Star {
    public String name() {
        return "sun";
    }
}
