import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.*;

public class FilesIO {
    public static void main(String[] args) throws IOException {
        File dir = Files.createTempDirectory("vmforms-io").toFile();
        System.out.println(dir.exists() + " " + dir.isDirectory() + " " + dir.isFile() + " " + dir.canRead());

        File notes = new File(dir, "notes.txt");
        System.out.println(notes.exists() + " " + notes.length() + " " + notes.getName());
        try (FileOutputStream out = new FileOutputStream(notes)) {
            out.write("first line\nsecond line\n".getBytes(StandardCharsets.UTF_8));
            out.write('!');
            out.write('\n');
        }
        try (PrintWriter w = new PrintWriter(new FileWriter(notes, true))) {
            w.printf("appended %d%n", 42);
            w.println("größe ✓");
        }
        System.out.println(notes.exists() + " " + notes.isFile() + " " + notes.length() + " " + notes.getParentFile().equals(dir));

        try (BufferedReader r = new BufferedReader(new FileReader(notes, StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) System.out.println(++n + ": " + line);
        }
        try (FileInputStream in = new FileInputStream(notes)) {
            System.out.println("available " + in.available());
            byte[] head = new byte[5];
            System.out.println(in.read(head) + " " + new String(head, StandardCharsets.US_ASCII) + " skip " + in.skip(6) + " next " + (char) in.read());
            byte[] rest = in.readAllBytes();
            System.out.println("rest " + rest.length + " then " + in.read());
        }

        File data = new File(dir, "data.bin");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(data)))) {
            out.writeInt(0xCAFEBABE);
            out.writeLong(-1234567890123L);
            out.writeDouble(Math.E);
            out.writeUTF("utf → text");
            out.writeBoolean(true);
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(data)))) {
            System.out.println(Integer.toHexString(in.readInt()) + " " + in.readLong() + " " + in.readDouble() + " " + in.readUTF() + " " + in.readBoolean());
        }
        System.out.println("data.bin " + data.length());

        try (RandomAccessFile raf = new RandomAccessFile(data, "rw")) {
            System.out.println("raf " + raf.length() + " at " + raf.getFilePointer());
            raf.seek(4);
            System.out.println(raf.readLong());
            raf.seek(0);
            raf.writeInt(7);
            raf.seek(raf.length());
            raf.writeShort(0x1234);
            System.out.println("raf " + raf.length() + " at " + raf.getFilePointer());
            raf.setLength(12);
            raf.seek(0);
            System.out.println(raf.readInt() + " " + raf.length());
            byte[] buf = new byte[20];
            raf.seek(0);
            System.out.println("read " + raf.read(buf) + " then " + raf.read());
        }
        try (RandomAccessFile ro = new RandomAccessFile(notes, "r")) {
            System.out.println(ro.readLine() + " | " + ro.readLine());
            try {
                ro.write(1);
            } catch (IOException e) {
                System.out.println("read-only: " + e.getClass().getSimpleName());
            }
        }

        File sub = new File(dir, "sub");
        System.out.println(sub.mkdir() + " " + sub.mkdir() + " " + new File(sub, "a/b/c").mkdirs());
        File empty = new File(sub, "empty.txt");
        System.out.println(empty.createNewFile() + " " + empty.createNewFile() + " " + empty.length());
        File moved = new File(dir, "moved.txt");
        System.out.println(empty.renameTo(moved) + " " + empty.exists() + " " + moved.exists());
        String[] names = dir.list();
        Arrays.sort(names);
        System.out.println(Arrays.toString(names));
        File[] txt = dir.listFiles((d, n) -> n.endsWith(".txt"));
        List<String> txtNames = new ArrayList<>();
        for (File f : txt) txtNames.add(f.getName());
        Collections.sort(txtNames);
        System.out.println(txtNames);
        System.out.println(new File(dir, "missing").list() + " " + new File(dir, "missing").length() + " " + new File(dir, "missing").delete());

        try {
            new FileInputStream(new File(dir, "missing.txt"));
        } catch (FileNotFoundException e) {
            System.out.println("FileNotFoundException " + e.getMessage().endsWith("missing.txt (No such file or directory)"));
        }
        try {
            new FileInputStream(dir);
        } catch (FileNotFoundException e) {
            System.out.println("FileNotFoundException " + e.getMessage().endsWith("(Is a directory)"));
        }
        System.out.println(notes.setReadOnly() + " " + notes.canWrite() + " " + notes.setWritable(true) + " " + notes.canWrite());
        System.out.println(notes.setLastModified(1_000_000_000_000L) + " " + notes.lastModified());

        System.out.println(sub.delete() + " " + deleteTree(dir) + " " + dir.exists());
    }

    static boolean deleteTree(File f) {
        File[] kids = f.listFiles();
        if (kids != null) for (File k : kids) deleteTree(k);
        return f.delete();
    }
}
