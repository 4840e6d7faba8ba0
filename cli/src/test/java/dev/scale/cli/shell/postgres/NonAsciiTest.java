package dev.scale.cli.shell.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.cli.Main;
import dev.scale.cli.Run;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Text that is not ASCII comes back as it went in, through try and run, from a PostgreSQL that is UTF8 with a
 * UTF-8 locale as the official image's is (en_US.utf8 there; C.UTF-8 embedded): an SQL_ASCII cluster, which
 * CI's stand-in image made before, returns bytes to some clients and leaves upper('é') alone.
 */
class NonAsciiTest {
    @TempDir
    Path home;

    private static final String SQL = """
            create table words (w text);
            insert into words values ('Grüße'), ('世界'), ('élan');
            select current_setting('server_encoding') as enc, w, upper(w) as up, length(w) as n from words order by n, w;
            """;


    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void tryRoundTripsNonAsciiTextAndUpperCasesIt(String provider) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"try", "postgres", "--provider", provider},
                new ByteArrayInputStream(SQL.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out, true), new PrintWriter(err, true), Run.forProvider(home, provider), false);
        assertThat(code).as(err.toString()).isZero();
        // glibc's upper case of ß is ß: GRÜßE, as PostgreSQL on the official image answers
        assertThat(out.toString()).contains(" UTF8 | 世界", " UTF8 | élan  | ÉLAN  | 4", " UTF8 | Grüße | GRÜßE | 5");
        assertThat(Run.of(Run.forProvider(home, provider), "ls").out()).contains("no instances");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void runHandsAClientTheSameText(String provider) throws Exception {
        Map<String, String> env = Run.forProvider(home, provider);
        // the child is a client of its own: scale's shell on $DATABASE_URL, from a script, as a CI step would have it
        Path scale = Run.launcher(home);
        Path sql = Files.writeString(home.resolve("q.sql"), SQL, StandardCharsets.UTF_8);
        Path seen = home.resolve("seen.txt");
        Run r = Run.of(env, "run", "--with", "postgres", "--provider", provider, "--quiet", "--",
                "sh", "-c", "'" + scale + "' shell \"$DATABASE_URL\" < '" + sql + "' > '" + seen + "'");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(seen, StandardCharsets.UTF_8)).contains("UTF8 | élan  | ÉLAN", "Grüße | GRÜßE", "世界");
    }
}
