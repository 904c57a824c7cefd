package org.astro.internal;

public class Secret {
    static String code() {
        return "42";
    }
}
