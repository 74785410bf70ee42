package dev.valjean.bounce;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Properties;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;

import dev.valjean.common.ValjeanException;
import dev.valjean.delivery.BounceConfig;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;

/**
 * Reads the bounce mailbox over IMAP. Each report is applied, then moved (copied and expunged)
 * to the processed folder, or, when nobody it names is known or it cannot be read, to the
 * unattributed folder, where it stays for a person; nothing is deleted unread. A report read
 * twice (a crash between applying and moving, two instances polling) is applied once: the
 * database knows it by its digest.
 */
@ApplicationScoped
public class BounceMailbox {

    /** Most reports taken in one poll, so one poll stays short; the rest wait for the next. */
    static final int PER_POLL = 500;

    /** What one poll did. */
    public record Poll(int applied, int unattributed, int unreadable, int failed) {
    }

    private final BounceService bounces;
    private final BounceConfig.Mailbox config;

    public BounceMailbox(BounceService bounces, BounceConfig config) {
        this.bounces = bounces;
        this.config = config.mailbox();
    }

    @Scheduled(every = "${valjean.bounces.mailbox.every:60s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (config.host().isPresent()) {
            try {
                Poll p = poll();
                if (p.applied() + p.unattributed() + p.unreadable() + p.failed() > 0) {
                    Log.infof("Bounce mailbox: %s", p);
                }
            } catch (MessagingException e) {
                Log.warnf("Bounce mailbox %s not read: %s", config.host().get(), e.getMessage());
            }
        }
    }

    /** Reads the mailbox once. */
    public Poll poll() throws MessagingException {
        String protocol = config.protocol().equals("imaps") ? "imaps" : "imap";
        Properties p = new Properties();
        p.setProperty("mail." + protocol + ".connectiontimeout", "10000");
        p.setProperty("mail." + protocol + ".timeout", "30000");
        if (config.protocol().equals("imap+starttls")) {
            p.setProperty("mail.imap.starttls.enable", "true");
            p.setProperty("mail.imap.starttls.required", "true");
        }
        Session session = Session.getInstance(p);
        int applied = 0;
        int unattributed = 0;
        int unreadable = 0;
        int failed = 0;
        try (Store store = session.getStore(protocol)) {
            store.connect(config.host().orElseThrow(), config.port(), config.user().orElse(null), config.password().orElse(null));
            Folder inbox = store.getFolder(config.folder());
            Folder processed = ensure(store, config.processedFolder());
            Folder kept = ensure(store, config.unattributedFolder());
            inbox.open(Folder.READ_WRITE);
            try {
                Message[] messages = inbox.getMessages(1, Math.min(inbox.getMessageCount(), PER_POLL));
                for (Message m : messages) {
                    Folder to;
                    try {
                        byte[] raw = bytes(m);
                        try {
                            BounceService.Outcome o = bounces.receive(raw, BounceService.Source.IMAP, false);
                            if (o.outcome().equals("APPLIED")) {
                                applied++;
                                to = processed;
                            } else if (o.outcome().equals("NOTHING_FAILED")) {
                                // a delivery report, an auto-reply: read, nothing to keep in front of a person
                                applied++;
                                to = processed;
                            } else {
                                unattributed++;
                                to = kept;
                            }
                        } catch (ValjeanException e) {
                            bounces.keepUnreadable(BounceService.Source.IMAP, raw);
                            unreadable++;
                            to = kept;
                        }
                    } catch (RuntimeException | IOException e) {
                        // left in the inbox for the next poll
                        Log.warnf("Bounce report %d not processed: %s", m.getMessageNumber(), e.toString());
                        failed++;
                        continue;
                    }
                    inbox.copyMessages(new Message[] { m }, to);
                    m.setFlag(Flags.Flag.DELETED, true);
                }
            } finally {
                inbox.close(true);
            }
        }
        return new Poll(applied, unattributed, unreadable, failed);
    }

    private static Folder ensure(Store store, String name) throws MessagingException {
        Folder f = store.getFolder(name);
        if (!f.exists()) {
            f.create(Folder.HOLDS_MESSAGES);
        }
        return f;
    }

    private static byte[] bytes(Message m) throws MessagingException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        return out.toByteArray();
    }
}
