module com.greetings {
    requires org.astro;
    requires java.sql;
    uses org.astro.spi.Star;
}
