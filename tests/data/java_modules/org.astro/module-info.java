module org.astro {
    exports org.astro;
    exports org.astro.spi;
    opens org.astro.internal to com.greetings;
    provides org.astro.spi.Star with org.astro.internal.Sun;
}
