import java.io.*;
import java.nio.channels.*;
import java.nio.file.*;
import java.util.*;

public class FileLocks1 {
    static List<String> myLocks() throws IOException {
        String pid = Long.toString(ProcessHandle.current().pid());
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get("/proc/locks"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 7 && f[1].equals("POSIX") && f[4].equals(pid)) out.add(f[3] + " " + f[6] + " " + f[7]);
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        File file = File.createTempFile("locks", ".bin");
        file.deleteOnExit();
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw"); FileChannel ch = raf.getChannel()) {
            System.out.println("before " + myLocks());
            FileLock whole = ch.lock();
            System.out.println("whole " + whole.isShared() + " " + whole.isValid() + " " + myLocks());
            try { ch.tryLock(0, 10, false); } catch (OverlappingFileLockException e) { System.out.println("overlap"); }
            whole.release();
            System.out.println("released " + whole.isValid() + " " + myLocks());
            FileLock part = ch.tryLock(10, 20, true);
            System.out.println("part " + part.position() + " " + part.size() + " " + part.isShared() + " " + myLocks());
            part.close();
            System.out.println("closed " + myLocks());
        }
        try (FileChannel ro = FileChannel.open(file.toPath(), StandardOpenOption.READ)) {
            try { ro.lock(); } catch (NonWritableChannelException e) { System.out.println("read-only exclusive refused"); }
            FileLock shared = ro.lock(0, Long.MAX_VALUE, true);
            System.out.println("shared " + myLocks());
            shared.release();
        }
    }
}
