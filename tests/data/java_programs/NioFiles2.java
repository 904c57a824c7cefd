import java.io.*;
import java.nio.file.*;
import java.nio.file.attribute.*;
import java.util.*;
public class NioFiles2 {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("vmforms-nio2");
        Path f = Files.writeString(dir.resolve("a.txt"), "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        System.out.println(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        System.out.println(Files.getOwner(f).getName().length() > 0);
        PosixFileAttributes pa = Files.readAttributes(f, PosixFileAttributes.class);
        System.out.println(pa.permissions().size() + " " + pa.group().getName().length());
        Path link = Files.createSymbolicLink(dir.resolve("link"), f.getFileName());
        System.out.println(Files.isSymbolicLink(link) + " " + Files.readSymbolicLink(link) + " " + Files.readString(link));
        System.out.println(Files.isHidden(dir.resolve(".h")) + " " + Files.isExecutable(f) + " " + Files.isWritable(f));
        System.out.println(f.toFile().getCanonicalFile().getName() + " " + f.toUri().getScheme() + " " + f.toFile().toURI().getPath().endsWith("a.txt"));
        Files.write(dir.resolve("bad.txt"), new byte[] {(byte) 0xff, (byte) 0xfe});
        try { Files.readAllLines(dir.resolve("bad.txt")); } catch (java.nio.charset.MalformedInputException e) { System.out.println("Malformed " + e.getInputLength()); }
        System.out.println(Files.getAttribute(f, "size") + " " + PosixFilePermissions.toString((Set<PosixFilePermission>) Files.getAttribute(f, "posix:permissions")));
        Files.setAttribute(f, "lastModifiedTime", FileTime.fromMillis(0));
        System.out.println(Files.getLastModifiedTime(f).toMillis());
        try (var w = Files.newBufferedWriter(dir.resolve("app.txt"), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) { w.write("1"); }
        try (var w = Files.newBufferedWriter(dir.resolve("app.txt"), StandardOpenOption.APPEND)) { w.write("2"); }
        System.out.println(Files.readString(dir.resolve("app.txt")));
        try { Files.newBufferedWriter(dir.resolve("app.txt"), StandardOpenOption.CREATE_NEW); } catch (FileAlreadyExistsException e) { System.out.println("exists"); }
        FileStore store = Files.getFileStore(f); System.out.println(store.getTotalSpace() > 0);
        Path mapped = Files.write(dir.resolve("m.bin"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(mapped, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.MappedByteBuffer rw = ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, 8);
            System.out.println(rw.get(2) + " " + rw.getInt(4) + " " + rw.isLoaded());
            rw.put(0, (byte) 42).putInt(4, 0x01020304);
            rw.force();
            java.nio.MappedByteBuffer ro = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 2, 4);
            System.out.println(ro.get(0) + " " + ro.remaining() + " " + ro.isReadOnly());
            try { ro.put(0, (byte) 1); } catch (java.nio.ReadOnlyBufferException e) { System.out.println("read-only"); }
            ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, 16).put(15, (byte) 9);
        }
        byte[] back = Files.readAllBytes(mapped);
        System.out.println(back.length + " " + back[0] + " " + back[7] + " " + back[15]);
        try (var s = Files.walk(dir)) { s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
        System.out.println(Files.exists(dir));
    }
}
