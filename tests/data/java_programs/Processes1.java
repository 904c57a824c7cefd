import java.io.*;
import java.util.*;
public class Processes1 {
    public static void main(String[] args) throws Exception {
        Process p = new ProcessBuilder("echo", "hello", "world").start();
        System.out.println(new String(p.getInputStream().readAllBytes()).trim() + " exit " + p.waitFor());
        Process q = new ProcessBuilder("sh", "-c", "cat; echo err >&2; exit 3").start();
        try (Writer w = new OutputStreamWriter(q.getOutputStream())) { w.write("piped in\n"); }
        System.out.println(new String(q.getInputStream().readAllBytes()).trim() + " | " + new String(q.getErrorStream().readAllBytes()).trim() + " exit " + q.waitFor());
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "echo $FOO; pwd; echo oops >&2").redirectErrorStream(true).directory(new File("/tmp"));
        pb.environment().put("FOO", "bar");
        Process r = pb.start();
        System.out.println(new String(r.getInputStream().readAllBytes()).trim().replace('\n', ' ') + " exit " + r.waitFor() + " alive " + r.isAlive());
        try { new ProcessBuilder("no-such-program-xyz").start(); } catch (IOException e) { System.out.println(e.getMessage()); }
        Process s = Runtime.getRuntime().exec(new String[] {"sleep", "5"});
        s.destroy(); System.out.println("destroyed exit " + s.waitFor());
        Process t = new ProcessBuilder("true").inheritIO().start(); System.out.println(t.waitFor() + " " + t.exitValue());
        System.out.println(new ProcessBuilder("sh", "-c", "exit 7").start().onExit().get().exitValue());
    }
}
