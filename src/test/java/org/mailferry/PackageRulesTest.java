package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dependency rule: each package's package-info.java says, in a line "Depends on: a, b (why)."
 * (or "Depends on: nothing."), which other Mailferry packages it may use, and the sources of
 * src/main/java use exactly those; and no two packages depend on each other, directly or not.
 * A reference is any mention of {@code org.mailferry.X} outside comments and string literals
 * (imports and fully qualified names alike); {@code root} is the package of Mailferry itself.
 */
class PackageRulesTest {
    private static final Path MAIN = Path.of("src/main/java/org/mailferry");
    static final String ROOT = "root";
    private static final Pattern NOT_CODE = Pattern.compile(
            "\"\"\"[\\s\\S]*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])*'|//[^\\n]*|/\\*[\\s\\S]*?\\*/");
    private static final Pattern REFERENCE = Pattern.compile("\\borg\\.mailferry\\.(?:([a-z]\\w*)\\b|[A-Z])");
    private static final Pattern RULE = Pattern.compile("Depends on:([^.]*)\\.");

    @Test
    void everyPackageSaysWhatItMayDependOn() throws IOException {
        for (String p : packages()) {
            assertThat(allowed(p)).as("package %s: package-info.java needs a line 'Depends on: a, b.' or"
                    + " 'Depends on: nothing.'", p).isNotNull();
        }
    }

    @Test
    void noPackageUsesOneItMayNot() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Map<String, Set<String>>> e : uses().entrySet()) {
            Set<String> allowed = allowed(e.getKey());
            e.getValue().forEach((used, files) -> {
                if (!allowed.contains(used)) {
                    wrong.add(e.getKey() + " uses " + used + " in " + files + ", which its package-info does not"
                            + " allow: move the code, or add " + used + " to its 'Depends on:' if that is right");
                }
            });
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void everyAllowedDependencyIsUsed() throws IOException {
        Map<String, Map<String, Set<String>>> uses = uses();
        List<String> stale = new ArrayList<>();
        for (String p : packages()) {
            for (String a : allowed(p)) {
                if (!uses.getOrDefault(p, Map.of()).containsKey(a)) {
                    stale.add(p + " may depend on " + a + " but does not: remove " + a + " from its package-info");
                }
            }
        }
        assertThat(stale).isEmpty();
    }

    @Test
    void noPackageCycles() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        uses().forEach((p, used) -> graph.put(p, used.keySet()));
        assertThat(cycle(graph)).as("a package cycle").isEmpty();
    }

    @Test
    void theArchitectureTableSaysTheSame() throws IOException {
        Map<String, Set<String>> table = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("docs/ARCHITECTURE.md"), StandardCharsets.UTF_8)) {
            String[] cells = line.split("\\s*\\|\\s*");
            if (line.startsWith("| `") && cells.length >= 4) {
                String pkg = cells[1].replace("`", "").replace("org.mailferry", ROOT);
                table.put(pkg, rule("Depends on: " + cells[cells.length - 1].split(";")[0] + "."));
            }
        }
        for (String p : packages()) {
            assertThat(table.get(p)).as("docs/ARCHITECTURE.md, the packages table's row for %s", p)
                    .isEqualTo(allowed(p));
        }
    }

    /** The scan itself: what counts as a use, what does not. */
    @Test
    void theScanSeesCodeOnly() {
        String source = String.join("\n",
                "package org.mailferry.cli;",
                "import org.mailferry.queue.Spool;",
                "import static org.mailferry.smtp.Reply.OK;",
                "// import org.mailferry.admin.AdminServer;",
                "/** {@link org.mailferry.notify.Events} */",
                "class X { String s = \"org.mailferry.config.Config // x\"; char c = '\"';",
                "    org.mailferry.delivery.Sites sites; org.mailferry.Mailferry m;",
                "    String t = \"\"\"",
                "    org.mailferry.message.Envelope \"\"\"; }");
        assertThat(references(source, "cli")).containsExactly("delivery", "queue", ROOT, "smtp");
    }

    @Test
    void aCycleIsFound() {
        assertThat(cycle(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")))).containsExactly("a", "b", "c",
                "a");
        assertThat(cycle(Map.of("a", Set.of("b", "c"), "b", Set.of("c"), "c", Set.of()))).isEmpty();
    }

    @Test
    void aRuleIsRead() {
        assertThat(rule("/**\n * Text.\n * Depends on: message, smtp (replies, codes), queue.\n */")).containsExactly(
                "message", "queue", "smtp");
        assertThat(rule("/**\n * Depends on: nothing.\n */")).isEmpty();
        assertThat(rule("/** Depends on message. */")).isNull();
    }

    private static List<String> packages() throws IOException {
        try (Stream<Path> dirs = Files.walk(MAIN)) {
            return dirs.filter(Files::isDirectory).map(PackageRulesTest::name).sorted().toList();
        }
    }

    private static String name(Path dir) {
        String rel = MAIN.relativize(dir).toString().replace('/', '.');
        return rel.isEmpty() ? ROOT : rel;
    }

    private static Set<String> allowed(String pkg) throws IOException {
        Path info = (pkg.equals(ROOT) ? MAIN : MAIN.resolve(pkg.replace('.', '/'))).resolve("package-info.java");
        return Files.exists(info) ? rule(Files.readString(info, StandardCharsets.UTF_8)) : null;
    }

    /** The packages a package-info's "Depends on:" line names, or null without one. */
    static Set<String> rule(String packageInfo) {
        Matcher m = RULE.matcher(packageInfo.replaceAll("\\([^)]*\\)", "").replaceAll("\\s*\\n\\s*\\*", " "));
        if (!m.find()) {
            return null;
        }
        Set<String> names = new TreeSet<>();
        for (String n : m.group(1).split(",")) {
            if (!n.isBlank() && !n.strip().equals("nothing")) {
                names.add(n.strip());
            }
        }
        return names;
    }

    /** For each package, the packages it uses and in which files. */
    private static Map<String, Map<String, Set<String>>> uses() throws IOException {
        Map<String, Map<String, Set<String>>> uses = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> all = Files.walk(MAIN)) {
            files = all.filter(f -> f.toString().endsWith(".java") && !f.endsWith("package-info.java")).toList();
        }
        for (Path f : files) {
            String pkg = name(f.getParent());
            for (String used : references(Files.readString(f, StandardCharsets.UTF_8), pkg)) {
                uses.computeIfAbsent(pkg, k -> new TreeMap<>()).computeIfAbsent(used, k -> new TreeSet<>())
                        .add(f.getFileName().toString());
            }
        }
        return uses;
    }

    /** The other Mailferry packages a source file of {@code pkg} mentions in its code. */
    static Set<String> references(String source, String pkg) {
        String code = NOT_CODE.matcher(source).replaceAll(" ").replaceFirst("\\bpackage\\s+[\\w.]+\\s*;", " ");
        Set<String> found = new TreeSet<>();
        Matcher m = REFERENCE.matcher(code);
        while (m.find()) {
            String p = m.group(1) == null ? ROOT : m.group(1);
            if (!p.equals(pkg)) {
                found.add(p);
            }
        }
        return found;
    }

    /** A cycle in the graph as a path that ends where it began, or empty. */
    static List<String> cycle(Map<String, Set<String>> graph) {
        Set<String> done = new TreeSet<>();
        for (String start : new TreeSet<>(graph.keySet())) {
            List<String> path = new ArrayList<>();
            List<String> found = visit(start, graph, path, done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    private static List<String> visit(String node, Map<String, Set<String>> graph, List<String> path,
                                      Set<String> done) {
        int at = path.indexOf(node);
        if (at >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
            cycle.add(node);
            return cycle;
        }
        if (done.contains(node)) {
            return List.of();
        }
        path.add(node);
        for (String next : new TreeSet<>(graph.getOrDefault(node, Set.of()))) {
            List<String> found = visit(next, graph, path, done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        path.remove(path.size() - 1);
        done.add(node);
        return List.of();
    }
}
