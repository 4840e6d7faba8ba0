package dev.scale.cli.shell;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where SQL statements end. */
class TextRulesTest {
    @Test
    void sqlEndsAtASemicolonOutsideQuotesAndComments() {
        assertThat(SqlText.complete("select 1;")).isTrue();
        assertThat(SqlText.complete("select 1")).isFalse();
        assertThat(SqlText.complete("select ';'")).isFalse();
        assertThat(SqlText.complete("select 'it''s;' ;")).isTrue();
        assertThat(SqlText.complete("select 1; -- done")).isTrue();
        assertThat(SqlText.complete("select $$ a; b $$")).isFalse();
        assertThat(SqlText.complete("select $$ a; b $$;")).isTrue();
        assertThat(SqlText.complete("select /* ; */ 1")).isFalse();
        assertThat(SqlText.statements("select 1; select 'a;b';", false)).containsExactly("select 1", "select 'a;b'");
    }
}
