package dev.valjean.issue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Sql;
import dev.valjean.delivery.ComposePrerequisite;

/**
 * Issues are rendered at send time, so an instance needs the layouts folder with its default
 * layouts, and a postal address for every newsletter (its own or {@code valjean.issues.postal-address}).
 */
@ApplicationScoped
public class LayoutsPrerequisite implements ComposePrerequisite {

    private final Path dir;
    private final boolean defaultAddress;
    private final Sql sql;

    public LayoutsPrerequisite(IssueConfig config, Sql sql) {
        this.dir = Path.of(config.layoutsDir()).toAbsolutePath().normalize();
        this.defaultAddress = config.postalAddress().filter(a -> !a.isBlank()).isPresent();
        this.sql = sql;
    }

    @Override
    public Optional<String> problem() {
        if (!Files.isDirectory(dir)) {
            return Optional.of("the layouts folder " + dir + " (valjean.issues.layouts-dir) does not exist");
        }
        for (String file : new String[] { "newsletter/default.html", "newsletter/default.txt" }) {
            if (!Files.isReadable(dir.resolve(file))) {
                return Optional.of("the layout " + file + " is missing from " + dir);
            }
        }
        if (!defaultAddress && sql.firstLong("SELECT count(*) FROM newsletter WHERE postal_address IS NULL").orElse(0L) > 0) {
            return Optional.of("no postal address: set valjean.issues.postal-address or each newsletter's postalAddress");
        }
        return Optional.empty();
    }
}
