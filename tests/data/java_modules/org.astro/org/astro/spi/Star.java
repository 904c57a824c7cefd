package org.astro.spi;

public interface Star {
    String name();
}
