package org.mailferry.imports;

import java.util.Map;

/**
 * Why a main.cf parameter with no Mailferry key is not translated, and what to do instead (or,
 * for the ones that need nothing, a reason and "" as the second element); the parameters of
 * Debian's default main.cf and of a null client's. Anything not in it gets the general reason.
 */
final class PostfixReasons {
    private static final String RELAY_ONLY = "Mailferry relays every message to the smarthost and delivers none"
            + " itself";
    private static final String[] LOCAL = {RELAY_ONLY + " (no local mailboxes, aliases or transports)",
            "have the smarthost deliver local recipients: give cron and root mail a real address"};
    private static final String[] RESTRICTIONS = {"Mailferry relays for smtpd.mynetworks and for clients that "
            + "authenticated (smtpd.users), and refuses everyone else at RCPT (554 5.7.1); there are no other "
            + "restrictions", "list the application hosts in smtpd.mynetworks"};
    private static final String[] LISTENER_TLS = {"STARTTLS toward Mailferry's own clients is off unless "
            + "smtpd.tls_cert and smtpd.tls_key are set", "set both (PEM; the key unencrypted and readable by the "
            + "service user) if local clients use STARTTLS"};
    private static final String[] NOTHING = {"Postfix housekeeping with no meaning for Mailferry", ""};

    static final Map<String, String[]> PARAMETERS = Map.ofEntries(
            Map.entry("smtpd_banner", new String[] {"Mailferry's greeting names smtpd.hostname; its text is fixed",
                    "nothing"}),
            Map.entry("biff", NOTHING), Map.entry("readme_directory", NOTHING), Map.entry("html_directory", NOTHING),
            Map.entry("compatibility_level", NOTHING), Map.entry("smtp_tls_loglevel", NOTHING),
            Map.entry("smtpd_tls_loglevel", NOTHING), Map.entry("manpage_directory", NOTHING),
            Map.entry("sample_directory", NOTHING), Map.entry("shlib_directory", NOTHING),
            Map.entry("meta_directory", NOTHING), Map.entry("data_directory", NOTHING),
            Map.entry("queue_directory", NOTHING), Map.entry("command_directory", NOTHING),
            Map.entry("daemon_directory", NOTHING), Map.entry("mail_owner", NOTHING),
            Map.entry("setgid_group", NOTHING), Map.entry("sendmail_path", NOTHING),
            Map.entry("newaliases_path", NOTHING), Map.entry("mailq_path", NOTHING),
            Map.entry("append_dot_mydomain", new String[] {"Mailferry never appends a domain to a qualified "
                    + "address (as append_dot_mydomain = no)", ""}),
            Map.entry("smtp_tls_session_cache_database", new String[] {"Mailferry keeps TLS sessions in memory "
                    + "(the JDK's session cache)", ""}),
            Map.entry("smtp_sasl_security_options", new String[] {"Mailferry never uses anonymous AUTH and sends "
                    + "credentials only over TLS (unless relay.allow_plaintext_auth)", ""}),
            Map.entry("smtp_sasl_tls_security_options", new String[] {"Mailferry never uses anonymous AUTH", ""}),
            Map.entry("alias_maps", LOCAL), Map.entry("alias_database", LOCAL), Map.entry("mydestination", LOCAL),
            Map.entry("mailbox_size_limit", LOCAL), Map.entry("recipient_delimiter", LOCAL),
            Map.entry("home_mailbox", LOCAL), Map.entry("mailbox_command", LOCAL),
            Map.entry("local_recipient_maps", LOCAL), Map.entry("local_transport", LOCAL),
            Map.entry("virtual_alias_maps", LOCAL), Map.entry("virtual_alias_domains", LOCAL),
            Map.entry("transport_maps", new String[] {RELAY_ONLY + ": there are no per-domain routes",
                    "route on the smarthost"}),
            Map.entry("relay_domains", RESTRICTIONS), Map.entry("smtpd_relay_restrictions", RESTRICTIONS),
            Map.entry("smtpd_recipient_restrictions", RESTRICTIONS),
            Map.entry("smtpd_client_restrictions", RESTRICTIONS), Map.entry("smtpd_sender_restrictions", RESTRICTIONS),
            Map.entry("smtpd_helo_restrictions", RESTRICTIONS), Map.entry("smtpd_helo_required", RESTRICTIONS),
            Map.entry("mynetworks_style", new String[] {"Mailferry's default smtpd.mynetworks is loopback only (as "
                    + "mynetworks_style = host for the loopback addresses)", "list other networks in smtpd.mynetworks"}),
            Map.entry("smtpd_tls_cert_file", LISTENER_TLS), Map.entry("smtpd_tls_key_file", LISTENER_TLS),
            Map.entry("smtpd_tls_security_level", LISTENER_TLS), Map.entry("smtpd_use_tls", LISTENER_TLS),
            Map.entry("smtpd_tls_session_cache_database", LISTENER_TLS),
            Map.entry("inet_protocols", new String[] {"Mailferry listens on the one address of smtpd.listen and "
                    + "reaches the smarthost over whatever IPv4 or IPv6 its name resolves to", ""}),
            Map.entry("smtp_tls_CApath", new String[] {"a directory of hashed CA certificates; Mailferry reads one "
                    + "PEM file (relay.ca_file) or, by default, the JDK's trust store",
                    "nothing for a smarthost with a public CA; else put its CA in one PEM file for relay.ca_file"}),
            Map.entry("bounce_queue_lifetime", new String[] {"Mailferry has one lifetime for every message, bounces "
                    + "included", "queue.lifetime"}),
            Map.entry("default_transport", new String[] {RELAY_ONLY, "nothing"}),
            Map.entry("relay_transport", new String[] {RELAY_ONLY, "nothing"}));

    private PostfixReasons() {
    }
}
