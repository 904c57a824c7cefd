import java.util.*;
import java.util.zip.*;

public class ZipDictionary {
    static byte[] deflate(byte[] input, byte[] dict, boolean nowrap) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, nowrap);
        if (dict != null) d.setDictionary(dict);
        System.out.println("deflater adler after dictionary " + d.getAdler());
        d.setInput(input);
        d.finish();
        byte[] buf = new byte[1024];
        int n = d.deflate(buf);
        System.out.println("deflated " + n + " adler " + d.getAdler() + " in " + d.getBytesRead());
        d.end();
        return Arrays.copyOf(buf, n);
    }

    public static void main(String[] args) throws Exception {
        byte[] dict = "the quick brown fox jumps over the lazy dog".getBytes();
        byte[] text = "the lazy dog and the quick brown fox: the quick brown fox jumps again".getBytes();
        byte[] plain = deflate(text, null, false);
        byte[] withDict = deflate(text, dict, false);
        System.out.println(Arrays.toString(Arrays.copyOf(withDict, 6)));
        System.out.println("smaller " + (withDict.length < plain.length));

        Inflater inf = new Inflater();
        inf.setInput(withDict);
        byte[] out = new byte[200];
        int n = inf.inflate(out);
        System.out.println("first " + n + " needs " + inf.needsDictionary() + " dictid " + inf.getAdler());
        inf.setDictionary(dict);
        n = inf.inflate(out);
        System.out.println(new String(out, 0, n) + " finished " + inf.finished() + " adler " + inf.getAdler());
        inf.end();

        byte[] raw = deflate(text, dict, true);
        Inflater rawInf = new Inflater(true);
        rawInf.setDictionary(dict);
        rawInf.setInput(raw);
        n = rawInf.inflate(out);
        System.out.println(new String(out, 0, n) + " " + rawInf.finished());
        rawInf.end();
    }
}
