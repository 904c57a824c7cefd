module org.astro {
    exports org.astro;
    opens org.astro.internal to com.greetings;
}
