package org.astro;

public class World {
    public static String name() {
        return "world";
    }
}
