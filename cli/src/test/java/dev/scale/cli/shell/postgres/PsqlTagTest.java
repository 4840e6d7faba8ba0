package dev.scale.cli.shell.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The command tags psql prints after a statement. */
class PsqlTagTest {
    @Test
    void tagsNameTheStatementAndItsRowCountAsPsqlDoes() {
        assertThat(PostgresSession.tag("insert into t values (1)", 1)).isEqualTo("INSERT 0 1");
        assertThat(PostgresSession.tag("create table t (a int)", 0)).isEqualTo("CREATE TABLE");
        assertThat(PostgresSession.tag("update t set a = 1", 3)).isEqualTo("UPDATE 3");
    }
}
