import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class Sockets1 {
    public static void main(String[] args) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        System.out.println(lo + " " + lo.isLoopbackAddress() + " " + InetAddress.getByName("127.0.0.1").getHostAddress()
                + " " + Arrays.toString(InetAddress.getByName("10.1.2.3").getAddress()) + " " + InetAddress.getByName("localhost").isLoopbackAddress());
        System.out.println(URI.create("http://user@example.com:8080/a/b?q=1#frag").getPort() + " " + new URL("https://example.com/x/y.html").getFile()
                + " " + URLEncoder.encode("a b&c", StandardCharsets.UTF_8) + " " + URLDecoder.decode("a+b%26c", StandardCharsets.UTF_8));

        try (ServerSocket server = new ServerSocket(0, 50, lo)) {
            int port = server.getLocalPort();
            System.out.println("listening " + (port > 0) + " " + server.getInetAddress() + " bound " + server.isBound());
            Thread t = new Thread(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket c = server.accept();
                         BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                         PrintWriter w = new PrintWriter(new OutputStreamWriter(c.getOutputStream(), StandardCharsets.UTF_8), true)) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            if (line.equals("bye")) { w.println("bye!"); break; }
                            w.println(line.toUpperCase() + " (" + line.length() + ")");
                        }
                    } catch (IOException e) {
                        System.out.println("server error " + e);
                    }
                }
            });
            t.start();
            for (int round = 0; round < 2; round++) {
                try (Socket s = new Socket(lo, port)) {
                    s.setTcpNoDelay(true);
                    System.out.println("connected " + s.isConnected() + " " + s.getInetAddress() + " nodelay " + s.getTcpNoDelay()
                            + " remote port ok " + (s.getPort() == port) + " local " + s.getLocalAddress());
                    PrintWriter w = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), true);
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    for (String msg : List.of("hello", "round " + round, "ünïcode")) {
                        w.println(msg);
                        System.out.println(r.readLine());
                    }
                    w.println("bye");
                    System.out.println(r.readLine() + " then " + r.readLine());
                }
            }
            t.join();
        }
        try (ServerSocket server = new ServerSocket(0, 1, lo)) {
            int port = server.getLocalPort();
            Thread t = new Thread(() -> {
                try (Socket c = server.accept(); DataInputStream in = new DataInputStream(c.getInputStream()); DataOutputStream out = new DataOutputStream(c.getOutputStream())) {
                    byte[] buf = in.readNBytes(in.readInt());
                    long sum = 0;
                    for (byte b : buf) sum += b & 0xff;
                    out.writeLong(sum);
                } catch (IOException e) {
                    System.out.println("server error " + e);
                }
            });
            t.start();
            try (Socket s = new Socket("127.0.0.1", port); DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream())); DataInputStream in = new DataInputStream(s.getInputStream())) {
                byte[] payload = new byte[200_000];
                for (int i = 0; i < payload.length; i++) payload[i] = (byte) (i * 31);
                out.writeInt(payload.length);
                out.write(payload);
                out.flush();
                System.out.println("sum " + in.readLong());
            }
            t.join();
        }
        try (ServerSocket ss = new ServerSocket(0, 5, lo)) {
            ss.setSoTimeout(100);
            try { ss.accept(); } catch (SocketTimeoutException e) { System.out.println("accept: " + e.getMessage()); }
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress(lo, ss.getLocalPort()), 2000);
                c.setSoTimeout(100);
                try (Socket peer = ss.accept()) {
                    try { c.getInputStream().read(); } catch (SocketTimeoutException e) { System.out.println("read: " + e.getMessage()); }
                    peer.getOutputStream().write(65);
                    System.out.println((char) c.getInputStream().read() + " " + c.getSoTimeout());
                }
            }
        }
        try (DatagramSocket server = new DatagramSocket(0, lo); DatagramSocket client = new DatagramSocket(0, lo)) {
            byte[] msg = "ping".getBytes(StandardCharsets.UTF_8);
            client.send(new DatagramPacket(msg, msg.length, lo, server.getLocalPort()));
            DatagramPacket in = new DatagramPacket(new byte[100], 100);
            server.receive(in);
            System.out.println(new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8) + " from client " + (in.getPort() == client.getLocalPort()) + " " + in.getAddress());
            byte[] reply = "pong".getBytes(StandardCharsets.UTF_8);
            server.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
            DatagramPacket back = new DatagramPacket(new byte[100], 100);
            client.receive(back);
            System.out.println(new String(back.getData(), 0, back.getLength(), StandardCharsets.UTF_8));
            client.connect(lo, server.getLocalPort());
            client.send(new DatagramPacket(msg, msg.length));
            server.receive(in);
            System.out.println("connected " + client.isConnected() + " " + in.getLength());
            server.setSoTimeout(50);
            try { server.receive(in); } catch (SocketTimeoutException e) { System.out.println("udp: " + e.getMessage()); }
        }
        try (java.nio.channels.Selector sel = java.nio.channels.Selector.open();
             java.nio.channels.ServerSocketChannel ssc = java.nio.channels.ServerSocketChannel.open()) {
            ssc.bind(new InetSocketAddress(lo, 0));
            ssc.configureBlocking(false);
            ssc.register(sel, java.nio.channels.SelectionKey.OP_ACCEPT);
            java.nio.channels.SocketChannel client = java.nio.channels.SocketChannel.open(ssc.getLocalAddress());
            client.write(java.nio.ByteBuffer.wrap("hello selector".getBytes(StandardCharsets.UTF_8)));
            int handled = 0;
            while (handled < 2) {
                sel.select(5000);
                Iterator<java.nio.channels.SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    java.nio.channels.SelectionKey k = it.next();
                    it.remove();
                    if (k.isAcceptable()) {
                        java.nio.channels.SocketChannel c = ssc.accept();
                        c.configureBlocking(false);
                        c.register(sel, java.nio.channels.SelectionKey.OP_READ);
                        System.out.println("selector accepted");
                        handled++;
                    } else if (k.isReadable()) {
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(100);
                        int n = ((java.nio.channels.SocketChannel) k.channel()).read(b);
                        System.out.println("selector read " + n + " " + new String(b.array(), 0, n, StandardCharsets.UTF_8));
                        handled++;
                        k.channel().close();
                    }
                }
            }
            client.close();
            sel.wakeup();
            System.out.println("woken " + sel.select(10));
        }
        int closedPort;
        try (ServerSocket tmp = new ServerSocket(0, 1, lo)) { closedPort = tmp.getLocalPort(); }
        try (Socket s = new Socket(lo, closedPort)) {
            System.out.println("unexpected");
        } catch (ConnectException e) {
            System.out.println("ConnectException " + e.getMessage());
        }
        try {
            InetAddress.getByName("no-such-host.invalid");
        } catch (UnknownHostException e) {
            System.out.println("UnknownHostException");
        }
    }
}
