import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.zip.*;

public class Zip1 {
    public static void main(String[] args) throws Exception {
        byte[] text = "the quick brown fox jumps over the lazy dog; ".repeat(200).getBytes(StandardCharsets.UTF_8);
        CRC32 crc = new CRC32();
        crc.update(text);
        Adler32 adler = new Adler32();
        adler.update(text, 10, 100);
        adler.update('x');
        CRC32C crcc = new CRC32C();
        crcc.update(text);
        System.out.println(Long.toHexString(crc.getValue()) + " " + adler.getValue() + " " + Long.toHexString(crcc.getValue()));

        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(text);
        }
        byte[] gzipped = bos.toByteArray();
        System.out.println("gzip smaller " + (gzipped.length < text.length / 4) + " magic " + (gzipped[0] & 0xff) + " " + (gzipped[1] & 0xff));
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            System.out.println("gunzip equal " + Arrays.equals(in.readAllBytes(), text));
        }

        for (int level : new int[] {Deflater.NO_COMPRESSION, Deflater.BEST_SPEED, Deflater.BEST_COMPRESSION}) {
            for (boolean nowrap : new boolean[] {false, true}) {
                Deflater d = new Deflater(level, nowrap);
                d.setInput(text);
                d.finish();
                byte[] buf = new byte[64];
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                while (!d.finished()) out.write(buf, 0, d.deflate(buf));
                long in = d.getBytesRead();
                d.end();
                Inflater inf = new Inflater(nowrap);
                inf.setInput(out.toByteArray());
                byte[] back = new byte[text.length + 10];
                int n = 0;
                while (!inf.finished() && n < back.length) n += inf.inflate(back, n, Math.min(100, back.length - n));
                System.out.println("level " + level + " nowrap " + nowrap + " read " + in + " restored " + n + " " + Arrays.equals(Arrays.copyOf(back, n), text)
                        + " remaining " + inf.getRemaining());
                inf.end();
            }
        }
        try {
            Inflater bad = new Inflater();
            bad.setInput(new byte[] {1, 2, 3, 4, 5});
            bad.inflate(new byte[10]);
        } catch (DataFormatException e) {
            System.out.println("DataFormatException");
        }
        ByteArrayOutputStream dbos = new ByteArrayOutputStream();
        try (DeflaterOutputStream dos = new DeflaterOutputStream(dbos)) {
            dos.write(text, 0, 1000);
        }
        try (InflaterInputStream iis = new InflaterInputStream(new ByteArrayInputStream(dbos.toByteArray()))) {
            System.out.println("inflater stream " + iis.readAllBytes().length);
        }

        Path dir = Files.createTempDirectory("vmforms-zip");
        Path zip = dir.resolve("archive.zip");
        try (ZipOutputStream zo = new ZipOutputStream(Files.newOutputStream(zip))) {
            zo.setComment("made by Zip1");
            for (String name : List.of("a.txt", "dir/b.txt", "dir/c.bin")) {
                ZipEntry e = new ZipEntry(name);
                e.setTime(946684800000L);
                zo.putNextEntry(e);
                zo.write((name + " contents ").repeat(name.length()).getBytes(StandardCharsets.UTF_8));
                zo.closeEntry();
            }
            ZipEntry stored = new ZipEntry("stored.txt");
            byte[] raw = "stored bytes".getBytes(StandardCharsets.UTF_8);
            CRC32 sc = new CRC32();
            sc.update(raw);
            stored.setMethod(ZipEntry.STORED);
            stored.setSize(raw.length);
            stored.setCrc(sc.getValue());
            zo.putNextEntry(stored);
            zo.write(raw);
            zo.closeEntry();
        }
        try (ZipFile zf = new ZipFile(zip.toFile())) {
            System.out.println(zf.size() + " entries, comment: " + zf.getComment());
            for (ZipEntry e : Collections.list(zf.entries())) {
                String body = new String(zf.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
                System.out.println(e.getName() + " " + e.getSize() + " " + (e.getMethod() == ZipEntry.STORED ? "stored" : "deflated")
                        + " crc " + Long.toHexString(e.getCrc()) + " " + body.substring(0, Math.min(12, body.length())));
            }
            System.out.println(zf.getEntry("missing") == null);
        }
        try (ZipInputStream zi = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry e;
            List<String> names = new ArrayList<>();
            while ((e = zi.getNextEntry()) != null) names.add(e.getName() + "=" + zi.readAllBytes().length);
            System.out.println(names);
        }
        try (FileSystem fs = FileSystems.newFileSystem(zip)) {
            System.out.println(Files.readString(fs.getPath("dir/b.txt")).length() + " " + Files.exists(fs.getPath("a.txt")) + " " + Files.isDirectory(fs.getPath("dir")));
            try (var s = Files.list(fs.getPath("dir"))) {
                System.out.println(s.map(Path::toString).sorted().toList());
            }
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
        System.out.println(Files.exists(dir));
    }
}
