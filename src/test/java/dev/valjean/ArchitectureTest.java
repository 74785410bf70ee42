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

    private static final Pattern MAILER = Pattern.compile(
            "io\\.quarkus\\.mailer\\.(Mailer|reactive\\.ReactiveMailer|MailTemplate|MockMailbox)\\b|io\\.vertx\\.(mutiny\\.)?ext\\.mail\\.MailClient\\b"
                    + "|\\bReactiveMailer\\b|\\bMailClient\\b");

    @Test
    void only_the_smtp_submitter_touches_the_mailer() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            List<String> users = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(ArchitectureTest::mentionsMailer)
                    .map(p -> p.getFileName().toString())
                    .toList();
            assertEquals(List.of("SmtpSubmitter.java"), users);
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
