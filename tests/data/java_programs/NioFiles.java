import java.io.*;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.*;
import java.util.stream.*;

public class NioFiles {
    public static void main(String[] args) throws IOException {
        Path p = Path.of("a", "b", "c.txt");
        System.out.println(p + " " + p.getFileName() + " " + p.getParent() + " " + p.getNameCount() + " " + p.isAbsolute());
        System.out.println(Path.of("/x/y/../z/./w").normalize() + " " + Paths.get("/x").resolve("y/z") + " "
                + Path.of("/a/b").relativize(Path.of("/a/c/d")) + " " + Path.of("dir/file.tar.gz").getFileName().toString().endsWith(".gz"));
        System.out.println(Path.of("a/b").startsWith("a") + " " + Path.of("a/b").endsWith("b") + " " + Path.of("a", "b").equals(Path.of("a/b"))
                + " " + Path.of("x").resolveSibling("y") + " " + Path.of("/").getRoot());

        Path dir = Files.createTempDirectory("vmforms-nio");
        System.out.println(Files.exists(dir) + " " + Files.isDirectory(dir) + " " + Files.isRegularFile(dir) + " " + Files.isReadable(dir));

        Path text = dir.resolve("text.txt");
        Files.writeString(text, "alpha\nbeta\ngamma\n");
        System.out.println(Files.readAllLines(text) + " " + Files.size(text) + " " + Files.exists(text) + " " + Files.isRegularFile(text));
        System.out.println(Files.readString(text).toUpperCase().replace('\n', ' '));
        Files.writeString(text, "delta\n", StandardOpenOption.APPEND);
        try (Stream<String> lines = Files.lines(text)) {
            System.out.println(lines.filter(s -> s.contains("a")).map(String::length).collect(Collectors.toList()));
        }
        Files.write(text, List.of("ünïcödé", "second"), StandardCharsets.UTF_8);
        System.out.println(Files.readAllLines(text, StandardCharsets.UTF_8) + " " + Files.size(text));
        byte[] bytes = new byte[300];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) i;
        Path bin = dir.resolve("bytes.bin");
        Files.write(bin, bytes);
        byte[] back = Files.readAllBytes(bin);
        System.out.println(back.length + " " + Arrays.equals(bytes, back) + " " + back[255] + " " + back[299]);

        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("buffered.txt"))) {
            for (int i = 0; i < 3; i++) { w.write("row " + i); w.newLine(); }
        }
        try (BufferedReader r = Files.newBufferedReader(dir.resolve("buffered.txt"))) {
            System.out.println(r.lines().collect(Collectors.joining(",")));
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve("stream.bin"))) {
            out.write(new byte[] {1, 2, 3});
        }
        try (InputStream in = Files.newInputStream(dir.resolve("stream.bin"))) {
            System.out.println(Arrays.toString(in.readAllBytes()));
        }

        try (FileChannel ch = FileChannel.open(dir.resolve("chan.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(16);
            buf.putInt(42).putLong(1L << 40).flip();
            System.out.println("wrote " + ch.write(buf) + " size " + ch.size() + " pos " + ch.position());
            ByteBuffer in = ByteBuffer.allocate(16);
            ch.position(0);
            System.out.println("read " + ch.read(in) + " " + in.flip().getInt() + " " + in.getLong());
            ch.truncate(4);
            System.out.println("truncated " + ch.size());
        }

        Path copy = Files.copy(text, dir.resolve("copy.txt"));
        System.out.println(Files.readAllLines(copy) + " " + Files.isSameFile(copy, copy) + " " + Files.mismatch(text, copy));
        try {
            Files.copy(text, copy);
        } catch (FileAlreadyExistsException e) {
            System.out.println("FileAlreadyExistsException " + e.getFile().endsWith("copy.txt"));
        }
        Files.copy(bin, copy, StandardCopyOption.REPLACE_EXISTING);
        System.out.println(Files.size(copy));
        Path moved = Files.move(copy, dir.resolve("moved.txt"));
        System.out.println(Files.exists(copy) + " " + Files.exists(moved));

        Path sub = Files.createDirectories(dir.resolve("sub/deeper"));
        Path tmp = Files.createTempFile(dir, "tmp", ".txt");
        System.out.println(Files.isDirectory(sub) + " " + Files.exists(tmp) + " " + tmp.getFileName().toString().startsWith("tmp") + " " + Files.size(tmp));
        Files.createFile(sub.resolve("leaf.txt"));
        try {
            Files.createDirectory(sub);
        } catch (FileAlreadyExistsException e) {
            System.out.println("FileAlreadyExistsException");
        }
        Files.delete(tmp);
        System.out.println(Files.exists(tmp) + " " + Files.notExists(tmp) + " " + Files.deleteIfExists(tmp));

        try (Stream<Path> s = Files.list(dir)) {
            System.out.println(s.map(x -> x.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
        try (Stream<Path> s = Files.walk(dir)) {
            System.out.println(s.map(x -> dir.relativize(x).toString()).sorted().collect(Collectors.toList()));
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.{txt,bin}")) {
            List<String> names = new ArrayList<>();
            for (Path x : ds) names.add(x.getFileName().toString());
            Collections.sort(names);
            System.out.println(names);
        }
        BasicFileAttributes attrs = Files.readAttributes(bin, BasicFileAttributes.class);
        System.out.println(attrs.size() + " " + attrs.isRegularFile() + " " + attrs.isDirectory() + " " + attrs.isSymbolicLink()
                + " " + (attrs.lastModifiedTime().toMillis() > 0));
        Files.setLastModifiedTime(bin, java.nio.file.attribute.FileTime.fromMillis(86_400_000L));
        System.out.println(Files.getLastModifiedTime(bin));
        System.out.println(dir.toAbsolutePath().equals(dir) + " " + dir.toRealPath().getFileName().equals(dir.getFileName()) + " " + text.toFile().getName());

        try {
            Files.readString(dir.resolve("missing.txt"));
        } catch (NoSuchFileException e) {
            System.out.println("NoSuchFileException " + e.getFile().endsWith("missing.txt"));
        }
        try {
            Files.delete(dir.resolve("sub"));
        } catch (DirectoryNotEmptyException e) {
            System.out.println("DirectoryNotEmptyException");
        }
        try {
            Files.size(dir.resolve("nope"));
        } catch (IOException e) {
            System.out.println(e.getClass().getSimpleName());
        }

        try (Stream<Path> s = Files.walk(dir)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) Files.delete(x);
        }
        System.out.println(Files.exists(dir));
    }
}
