import java.io.*;
import java.net.URL;
import java.nio.charset.Charset;
import java.nio.file.*;
import java.nio.file.spi.FileSystemProvider;
import java.util.*;

public class Services1 {
    public static void main(String[] args) throws Exception {
        for (FileSystemProvider p : ServiceLoader.load(FileSystemProvider.class))
            System.out.println("service " + p.getClass().getName() + " " + p.getScheme());
        for (FileSystemProvider p : FileSystemProvider.installedProviders()) System.out.println("installed " + p.getScheme());
        ServiceLoader.load(java.nio.charset.spi.CharsetProvider.class).stream()
                .forEach(p -> System.out.println("charset provider " + p.type().getName()));
        System.out.println(Charset.forName("Shift_JIS").name() + " " + Charset.isSupported("EUC-JP") + " " + Charset.isSupported("no-such"));
        byte[] sjis = "日本語".getBytes("Shift_JIS");
        System.out.println(sjis.length + " " + new String(sjis, "Shift_JIS"));
        System.out.println(Thread.currentThread().getContextClassLoader().getClass().getSimpleName()
                + " " + (ClassLoader.getSystemClassLoader() == Thread.currentThread().getContextClassLoader()));
        Thread t = new Thread(() -> System.out.println("child " + (Thread.currentThread().getContextClassLoader() != null)));
        t.start();
        t.join();

        try (InputStream in = Object.class.getResourceAsStream("Object.class")) {
            byte[] b = in.readAllBytes();
            System.out.printf("Object.class %x %b%n", ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff), b.length > 1000);
        }
        URL list = ClassLoader.getSystemResource("java/util/List.class");
        System.out.println(list + " " + (list.openConnection().getContentLength() > 0));
        System.out.println(String.class.getResource("String.class") + " " + ClassLoader.getSystemResource("java/util/Missing.class"));
        URL own = Services1.class.getResource("Services1.class");
        System.out.println(own.getProtocol() + " " + own.getPath().endsWith("/Services1.class"));
        try (InputStream in = Services1.class.getResourceAsStream("/Services1.class")) {
            System.out.println("own bytes " + (in.readAllBytes().length > 100));
        }
        System.out.println(Services1.class.getResourceAsStream("no-such-resource.txt"));
        System.out.println(Services1.class.getClassLoader().getClass().getSimpleName() + " " + (String.class.getClassLoader() == null));
        System.out.println(Character.getName('a') + " " + Character.codePointOf("GREEK SMALL LETTER ALPHA")
                + " " + Currency.getInstance(Locale.JAPAN).getCurrencyCode() + " " + Currency.getInstance("EUR").getDefaultFractionDigits()
                + " " + java.text.NumberFormat.getCurrencyInstance(Locale.US).format(12.5));
        System.out.println(Object.class.getResourceAsStream("/java/util/currency.data") + " " + String.class.getResource("/META-INF/none"));
        System.out.println(FileSystems.getDefault().getSeparator() + " " + FileSystems.getDefault().provider().getScheme());
    }
}
