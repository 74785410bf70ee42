package dev.valjean;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ArchitectureTest {

    /** Using the relay, or any other way of speaking SMTP or building mail. */
    private static final Pattern MAILER = Pattern.compile("\\bSmtpRelay\\b|MAIL FROM|RCPT TO|io\\.quarkus\\.mailer|io\\.vertx\\.(mutiny\\.)?ext\\.mail"
            + "|jakarta\\.mail|javax\\.mail");

    @Test
    void only_the_smtp_submitter_hands_mail_to_the_relay() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            List<String> users = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(ArchitectureTest::mentionsMailer)
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
            assertEquals(List.of("SmtpRelay.java", "SmtpSubmitter.java"), users);
        }
    }

    private static boolean mentionsMailer(Path file) {
        try {
            return MAILER.matcher(Files.readString(file)).find();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
