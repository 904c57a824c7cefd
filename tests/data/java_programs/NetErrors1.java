import java.io.*;
import java.net.*;

public class NetErrors1 {
    public static void main(String[] args) throws Exception {
        try (ServerSocket a = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = a.getLocalPort();
            try (ServerSocket b = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
                System.out.println("bound twice");
            } catch (BindException e) {
                System.out.println("BindException " + e.getMessage());
            }
            try (DatagramSocket d1 = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                try (DatagramSocket d2 = new DatagramSocket(d1.getLocalPort(), InetAddress.getLoopbackAddress())) {
                    System.out.println("udp bound twice");
                } catch (SocketException e) {
                    System.out.println(e.getClass().getName() + " " + e.getMessage());
                }
            }
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 1), 2000);
        } catch (ConnectException e) {
            System.out.println("ConnectException " + e.getMessage());
        }
    }
}
