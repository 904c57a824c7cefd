module com.greetings {
    requires org.astro;
    requires java.sql;
}
