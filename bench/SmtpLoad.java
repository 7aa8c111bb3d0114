// Submission latency probe: N messages of SIZE bytes over S parallel SMTP sessions to HOST:PORT;
// prints "p50_ms p99_ms msgs_per_s" for the time from MAIL FROM to the 250 after the final dot.
// Run with the JDK's source launcher: java bench/SmtpLoad.java HOST PORT N S SIZE
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;

public class SmtpLoad {
    public static void main(String[] a) throws Exception {
        String host = a[0];
        int port = Integer.parseInt(a[1]), n = Integer.parseInt(a[2]), s = Integer.parseInt(a[3]),
                size = Integer.parseInt(a[4]);
        StringBuilder body = new StringBuilder("From: load@example.com\r\nTo: sink@example.net\r\nSubject: load\r\n\r\n");
        while (body.length() < size) body.append("x".repeat(76)).append("\r\n");
        byte[] data = (body + ".\r\n").getBytes(StandardCharsets.US_ASCII);
        AtomicInteger left = new AtomicInteger(n);
        long[] lat = new long[n];
        AtomicInteger idx = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(s);
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < s; i++) {
            fs.add(pool.submit(() -> {
                try (Socket so = new Socket(host, port)) {
                    so.setTcpNoDelay(true);
                    BufferedReader in = new BufferedReader(new InputStreamReader(so.getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream out = new BufferedOutputStream(so.getOutputStream());
                    reply(in);
                    cmd(out, "EHLO load.example"); reply(in);
                    while (left.getAndDecrement() > 0) {
                        long t = System.nanoTime();
                        cmd(out, "MAIL FROM:<load@example.com>"); expect(reply(in), '2');
                        cmd(out, "RCPT TO:<sink@example.net>"); expect(reply(in), '2');
                        cmd(out, "DATA"); expect(reply(in), '3');
                        out.write(data); out.flush(); expect(reply(in), '2');
                        lat[idx.getAndIncrement()] = System.nanoTime() - t;
                    }
                    cmd(out, "QUIT"); reply(in);
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        double secs = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        long[] l = Arrays.copyOf(lat, idx.get());
        Arrays.sort(l);
        System.out.printf(Locale.ROOT, "%.2f %.2f %.0f%n", l[l.length / 2] / 1e6, l[(int) (l.length * 0.99)] / 1e6, l.length / secs);
    }
    static void cmd(OutputStream out, String c) throws IOException {
        out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII)); out.flush();
    }
    static String reply(BufferedReader in) throws IOException {
        String line;
        do { line = in.readLine(); if (line == null) throw new EOFException(); } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }
    static void expect(String r, char c) throws IOException {
        if (r.charAt(0) != c) throw new IOException("unexpected reply: " + r);
    }
}
