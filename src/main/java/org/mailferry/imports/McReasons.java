package org.mailferry.imports;

import java.util.Map;

/**
 * Why a sendmail.mc directive with no Mailferry key is not translated, and what to do instead:
 * one table for the FEATUREs and options a null client's sendmail.mc commonly holds. Anything not
 * in it gets the general reason.
 */
final class McReasons {
    private static final String RELAY_ONLY = "Mailferry relays every message to the smarthost and delivers none"
            + " itself";
    private static final String[] LOCAL = {RELAY_ONLY + " (no local mailboxes, aliases or mailers)",
            "have the smarthost deliver local recipients: give cron and root mail a real address"};
    private static final String[] CHECKS = {"Mailferry's listener does not filter by access db, DNS blocklists or "
            + "sender checks: it relays for smtpd.mynetworks and authenticated clients only",
            "keep the listener on loopback (smtpd.listen) and list your application hosts in smtpd.mynetworks"};
    private static final String[] RATES = {"Mailferry limits connections per client instead of rates",
            "smtpd.max_connections and smtpd.max_connections_per_client (docs/configuration.md)"};
    private static final String[] NO_ROUTES = {RELAY_ONLY + ": there are no per-domain routes",
            "route on the smarthost"};

    static final Map<String, String[]> FEATURES = Map.ofEntries(
            Map.entry("use_cw_file", LOCAL), Map.entry("use_ct_file", LOCAL), Map.entry("local_procmail", LOCAL),
            Map.entry("local_lmtp", LOCAL), Map.entry("smrsh", LOCAL), Map.entry("redirect", LOCAL),
            Map.entry("virtusertable", LOCAL), Map.entry("stickyhost", LOCAL),
            Map.entry("mailertable", NO_ROUTES), Map.entry("domaintable", NO_ROUTES),
            Map.entry("access_db", CHECKS), Map.entry("delay_checks", CHECKS), Map.entry("dnsbl", CHECKS),
            Map.entry("enhdnsbl", CHECKS), Map.entry("blocklist_recipients", CHECKS),
            Map.entry("blacklist_recipients", CHECKS), Map.entry("badmx", CHECKS),
            Map.entry("relay_entire_domain", CHECKS), Map.entry("relay_hosts_only", CHECKS),
            Map.entry("relay_based_on_MX", CHECKS), Map.entry("accept_unresolvable_domains", CHECKS),
            Map.entry("greet_pause", new String[] {"Mailferry does not delay its greeting",
                    "keep the listener on loopback or on hosts in smtpd.mynetworks"}),
            Map.entry("conncontrol", RATES), Map.entry("ratecontrol", RATES),
            Map.entry("no_default_msa", new String[] {"Mailferry has no second (MSA, port 587) listener by default",
                    "nothing; the one listener is smtpd.listen"}),
            Map.entry("nouucp", new String[] {"Mailferry never routes by UUCP bang paths", "nothing"}));

    static final Map<String, String[]> OPTIONS = Map.ofEntries(
            Map.entry("confPRIVACY_FLAGS", new String[] {"Mailferry's listener has no VRFY or EXPN and refuses "
                    + "commands before EHLO/HELO", "nothing"}),
            Map.entry("confCONNECTION_RATE_THROTTLE", RATES), Map.entry("confCONNECTION_RATE_WINDOW_SIZE", RATES),
            Map.entry("confBAD_RCPT_THROTTLE", RATES), Map.entry("confMAX_DAEMON_CHILDREN", new String[] {
                    "no sendmail children", "smtpd.max_connections"}),
            Map.entry("confSERVER_CERT", new String[] {"sendmail's own certificate for STARTTLS toward its clients",
                    "set smtpd.tls_cert and smtpd.tls_key (PEM, the key unencrypted) if local clients use STARTTLS"}),
            Map.entry("confSERVER_KEY", new String[] {"sendmail's own key for STARTTLS toward its clients",
                    "set smtpd.tls_cert and smtpd.tls_key (PEM, the key unencrypted) if local clients use STARTTLS"}),
            Map.entry("confCLIENT_CERT", new String[] {"Mailferry presents no client certificate to the smarthost",
                    "log in with AUTH (relay.authinfo) instead"}),
            Map.entry("confCLIENT_KEY", new String[] {"Mailferry presents no client certificate to the smarthost",
                    "log in with AUTH (relay.authinfo) instead"}),
            Map.entry("MAIL_HUB", LOCAL), Map.entry("LOCAL_RELAY", LOCAL), Map.entry("LUSER_RELAY", LOCAL),
            Map.entry("ALIAS_FILE", LOCAL), Map.entry("confALIAS_FILE", LOCAL),
            Map.entry("PROCMAIL_MAILER_PATH", LOCAL),
            Map.entry("confLOG_LEVEL", new String[] {"Mailferry logs one line per event (docs/operations.md)",
                    "nothing"}));

    private McReasons() {
    }
}
