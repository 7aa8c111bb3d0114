// Submits one message over SMTP and reports how long after its 250 the relay first attempted it:
// the time of the first mail log line about it after "received" (delivered, deferred or bounced),
// read from the daemon's log. For bench/bigqueue.sh.
// java bench/FreshLatency.java PORT LOGFILE
import java.io.*;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.*;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

public class FreshLatency {
    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(a[0]);
        Path log = Path.of(a[1]);
        String id;
        long acceptedAt;
        try (Socket s = new Socket("127.0.0.1", port)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
            reply(in);
            for (String c : new String[] {"EHLO bench.test", "MAIL FROM:<fresh@bench.test>", "RCPT TO:<fresh@example.net>",
                    "DATA"}) {
                out.write(c + "\r\n");
                out.flush();
                reply(in);
            }
            out.write("Subject: fresh\r\n\r\nnew mail during a backlog\r\n.\r\n");
            out.flush();
            String ok = reply(in);
            acceptedAt = System.currentTimeMillis();
            id = ok.substring(ok.lastIndexOf(' ') + 1).strip();
            out.write("QUIT\r\n");
            out.flush();
        }
        DateTimeFormatter f = DateTimeFormatter.ofPattern("MMM dd HH:mm:ss.SSS", Locale.ROOT);
        long end = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < end) {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.contains(" " + id + ": to=")) {
                    LocalDateTime t = LocalDateTime.parse(Year.now() + " " + line.substring(0, 19),
                            DateTimeFormatter.ofPattern("yyyy MMM dd HH:mm:ss.SSS", Locale.ROOT));
                    long at = t.atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
                    System.out.printf("fresh message %s: first attempt done %d ms after its 250 (%s)%n", id,
                            at - acceptedAt, line.substring(line.indexOf("status=")));
                    return;
                }
            }
            Thread.sleep(50);
        }
        System.out.println("fresh message " + id + ": no attempt within 60 s of its 250");
        System.exit(1);
    }

    private static String reply(BufferedReader in) throws IOException {
        String line;
        while ((line = in.readLine()) != null && line.length() > 3 && line.charAt(3) == '-') {
        }
        if (line == null || line.charAt(0) > '3') {
            throw new IOException("unexpected reply: " + line);
        }
        return line;
    }
}
