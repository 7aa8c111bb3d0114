package org.mailferry.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.config.Config;
import org.mailferry.config.Smarthost;
import org.mailferry.delivery.ClientSecurity;
import org.mailferry.delivery.Router;
import org.mailferry.delivery.SecurityFailure;
import org.mailferry.delivery.SmtpClient;

/**
 * {@code mailferry check}: what a person would do by hand with swaks/openssl s_client, step by step,
 * without sending a message: resolve, connect, greeting, EHLO, STARTTLS or TLS with the certificate,
 * AUTH with the configured credentials. Each step prints OK or FAIL with the smarthost's own reply.
 */
public final class Check {
    private final PrintStream out;
    private boolean failed;

    private Check(PrintStream out) {
        this.out = out;
    }

    /** Probes every configured smarthost; true when every step passed. */
    public static boolean run(Config config, PrintStream out) {
        Check c = new Check(out);
        if (config.relay().smarthosts().isEmpty()) {
            c.step("config", false, "no smarthost configured; set relay.smarthost or use --smarthost "
                    + "'smtp:[host]:port'");
            return false;
        }
        ClientSecurity security;
        try {
            security = ClientSecurity.from(config.relay().security(), Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            c.step("config", false, e.getMessage());
            return false;
        }
        for (Smarthost s : config.relay().smarthosts()) {
            c.probe(s, config.relay(), security);
        }
        out.println(c.failed ? "check: FAILED" : "check: all steps passed");
        return !c.failed;
    }

    private void probe(Smarthost s, Config.Relay relay, ClientSecurity security) {
        out.println("smarthost " + s.spec());
        List<Router.Target> targets;
        try {
            targets = Router.of(relay).targets(List.of(s));
        } catch (IOException e) {
            step("resolve", false, s.host() + ": " + e.getMessage());
            return;
        }
        Router.Target t = targets.get(0);
        InetAddress a = t.address().getAddress();
        step("resolve", true, s.host() + (t.hostName().equals(s.host()) ? "" : " (MX " + t.hostName() + ")")
                + " -> " + a.getHostAddress() + (targets.size() > 1 ? " (+" + (targets.size() - 1) + " more)" : ""));
        List<String> names = new ArrayList<>(List.of(t.hostName()));
        if (!names.contains(s.host())) {
            names.add(s.host());
        }
        boolean[] authSeen = {false};
        SmtpClient.Trace trace = (step, ok, detail) -> {
            authSeen[0] |= step.equals("auth");
            step(step, ok, detail);
        };
        try (SmtpClient c = SmtpClient.open(new InetSocketAddress(a, t.address().getPort()), t.hostName(), names,
                relay.heloName(), SmtpClient.Timeouts.of(relay), security, trace)) {
            if (!authSeen[0]) {
                out.printf("  %-9s %-4s %s%n", "auth", "SKIP", "no credentials configured for " + s.host());
            }
        } catch (SmtpClient.SessionRefused e) {
            failed = true; // the refusing reply was already printed as the failed step
        } catch (IOException | SecurityFailure e) {
            failed = true; // printed by the trace
        }
    }

    private void step(String name, boolean ok, String detail) {
        if (!ok) {
            failed = true;
        }
        out.printf("  %-9s %-4s %s%n", name, ok ? "OK" : "FAIL", detail);
    }
}
