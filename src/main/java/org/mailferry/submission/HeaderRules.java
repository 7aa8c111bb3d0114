package org.mailferry.submission;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the header-rewriting step ({@link HeaderRewriter}) does on a submission path, as Postfix's
 * cleanup: the header fields it removes (headers.drop, Postfix's message_drop_headers, on every
 * path) and the domain it qualifies bare local names with (sendmail.origin_domain; only for local
 * mail: the sendmail command, and SMTP clients in smtpd.mynetworks when headers.qualify is "local").
 *
 * @param drop            lower-case field names removed from the message's header
 * @param originDomain    null: never qualify
 * @param qualifyNetworks also qualify for SMTP clients in smtpd.mynetworks (not only for sendmail)
 */
public record HeaderRules(Set<String> drop, String originDomain, boolean qualifyNetworks) {
    /** Postfix's DEF_DROP_HDRS (mail_params.h), headers.drop's default. */
    public static final List<String> POSTFIX_DROP = List.of("bcc", "content-length", "resent-bcc", "return-path");

    /** Drops Postfix's default set; qualifies nothing (tests, sendmail -bs's own session). */
    public static final HeaderRules DROP_ONLY = new HeaderRules(Set.copyOf(POSTFIX_DROP), null, false);

    public HeaderRules {
        drop = drop.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    /** From the config: headers.drop, sendmail.origin_domain, headers.qualify ("local", "sendmail", "off"). */
    public static HeaderRules of(List<String> drop, String originDomain, String qualify) {
        return new HeaderRules(Set.copyOf(drop), qualify.equals("off") ? null : originDomain, qualify.equals("local"));
    }

    /** The rewriter for the sendmail command's mail. */
    HeaderRewriter forLocalUser(java.io.OutputStream target) {
        return new HeaderRewriter(target, drop, originDomain);
    }

    /** The rewriter for an SMTP client's mail; {@code inNetworks}: the client is in smtpd.mynetworks. */
    HeaderRewriter forClient(java.io.OutputStream target, boolean inNetworks) {
        return new HeaderRewriter(target, drop, inNetworks && qualifyNetworks ? originDomain : null);
    }
}
