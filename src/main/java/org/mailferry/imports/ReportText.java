package org.mailferry.imports;

import java.util.List;

/**
 * The import's report, for people: one entry per directive read, in file order, then a count.
 * <pre>
 * /etc/mail/sendmail.mc:12: define(`SMART_HOST', `smtp:[smtp.example.com]:587')
 *     translated: relay.smarthost = "smtp:[smtp.example.com]:587"
 * /etc/mail/sendmail.mc:14: FEATURE(`genericstable')
 *     not translated yet: ...
 *     instead: ...
 * </pre>
 */
public final class ReportText {
    private ReportText() {
    }

    public static String of(List<Outcome> outcomes) {
        StringBuilder out = new StringBuilder();
        int translated = 0;
        int not = 0;
        int notYet = 0;
        int nothing = 0;
        for (Outcome o : outcomes) {
            out.append(o.directive().where()).append(": ").append(o.directive().text()).append('\n');
            switch (o) {
                case Outcome.Translated t -> {
                    translated++;
                    out.append("    translated: ").append(t.key()).append(" = ").append(t.value()).append('\n');
                    if (!t.note().isEmpty()) {
                        out.append("    note: ").append(t.note()).append('\n');
                    }
                }
                case Outcome.NotTranslated n -> {
                    not++;
                    out.append("    not translated: ").append(n.reason()).append('\n');
                    out.append("    instead: ").append(n.instead()).append('\n');
                }
                case Outcome.NotYet n -> {
                    notYet++;
                    out.append("    not translated yet: ").append(n.reason()).append('\n');
                    out.append("    instead: ").append(n.instead()).append('\n');
                }
                case Outcome.NothingToDo n -> {
                    nothing++;
                    out.append("    nothing to do: ").append(n.reason()).append('\n');
                }
            }
        }
        out.append(outcomes.size()).append(outcomes.size() == 1 ? " directive read: " : " directives read: ").append(translated).append(" translated, ")
                .append(nothing).append(" need nothing, ").append(not).append(" not translated, ").append(notYet)
                .append(" not translated yet\n");
        return out.toString();
    }
}
