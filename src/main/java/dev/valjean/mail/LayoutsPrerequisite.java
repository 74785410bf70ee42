package dev.valjean.mail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Sql;
import dev.valjean.delivery.ComposePrerequisite;

/**
 * Issues are rendered at send time, so an instance needs the layouts folder with its default
 * layouts, and a postal address for every newsletter (its own or {@code valjean.mail.postal-address}).
 */
@ApplicationScoped
public class LayoutsPrerequisite implements ComposePrerequisite {

    private final Path dir;
    private final boolean defaultAddress;
    private final Sql sql;

    public LayoutsPrerequisite(MailConfig config, PostalAddress address, Sql sql) {
        this.dir = Path.of(config.layoutsDir()).toAbsolutePath().normalize();
        this.defaultAddress = address.hasDefault();
        this.sql = sql;
    }

    @Override
    public Optional<String> problem() {
        if (!Files.isDirectory(dir)) {
            return Optional.of("the layouts folder " + dir + " (valjean.mail.layouts-dir) does not exist");
        }
        for (String file : new String[] { "newsletter/default.html", "newsletter/default.txt" }) {
            if (!Files.isReadable(dir.resolve(file))) {
                return Optional.of("the layout " + file + " is missing from " + dir);
            }
        }
        if (!defaultAddress && sql.firstLong("SELECT count(*) FROM newsletter WHERE postal_address IS NULL").orElse(0L) > 0) {
            return Optional.of("no postal address: set valjean.mail.postal-address or each newsletter's postalAddress");
        }
        return Optional.empty();
    }
}
