package dev.valjean.delivery;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns an {@link OutgoingMail} into the bytes of an RFC 5322 message with CRLF line ends:
 * multipart/alternative with a text/plain and a text/html part. A part that is plain ASCII with
 * lines of at most 998 characters goes as 7bit, unchanged; anything else as quoted-printable
 * (RFC 2045). Header values that are not ASCII become RFC 2047 encoded words; long ones fold.
 * Dot-stuffing is the transport's job, not this one's.
 */
public final class MimeEncoder {

    static final int MAX_LINE = 998;
    private static final int FOLD_AT = 78;
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** Eight bytes of an array read or written as one long (an unaligned load or store once compiled). */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private MimeEncoder() {
    }

    public static byte[] encode(OutgoingMail mail) {
        String boundary = boundary();
        StringBuilder head = new StringBuilder(1024);
        header(head, "From", mailbox(mail.from()));
        header(head, "To", mailbox(mail.to()));
        if (mail.replyTo() != null) {
            header(head, "Reply-To", mailbox(mail.replyTo()));
        }
        header(head, "Subject", unstructured(mail.subject() == null ? "" : mail.subject(), "Subject".length()));
        for (OutgoingMail.Header h : mail.headers()) {
            header(head, h.name(), unstructured(h.value(), h.name().length()));
        }
        header(head, "MIME-Version", "1.0");
        header(head, "Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
        head.append("\r\n");

        // A 7bit part grows by a CR per line; a quoted-printable one is made room for when it is written.
        Bytes out = new Bytes(head.length() + length(mail.text()) + length(mail.html()) + 512);
        out.utf8(head);
        part(out, boundary, "text/plain", mail.text() == null ? "" : mail.text());
        part(out, boundary, "text/html", mail.html() == null ? "" : mail.html());
        out.utf8("--" + boundary + "--\r\n");
        return out.toByteArray();
    }

    /** The bare address in "Name <a@b>" or "a@b". */
    static String addressOf(String mailbox) {
        int lt = mailbox.lastIndexOf('<');
        int gt = mailbox.lastIndexOf('>');
        String address = lt >= 0 && gt > lt ? mailbox.substring(lt + 1, gt) : mailbox;
        return address.strip();
    }

    /**
     * One part from the text's UTF-8 bytes as they are: every line break (CR, LF or CRLF) is
     * written as CRLF by the pass that copies or encodes the line. The part is first written as
     * 7bit; the copy stops at the first byte or line 7bit cannot hold, and then the part is taken
     * back and written again as quoted-printable.
     */
    private static void part(Bytes out, String boundary, String type, String content) {
        byte[] text = content.getBytes(StandardCharsets.UTF_8);
        String head = "--" + boundary + "\r\nContent-Type: " + type + "; charset=utf-8\r\nContent-Transfer-Encoding: ";
        int mark = out.n;
        out.utf8(head + "7bit\r\n\r\n");
        if (!sevenBit(out, text)) {
            out.n = mark;
            out.utf8(head + "quoted-printable\r\n\r\n");
            quotedPrintable(out, text);
        }
        int n = text.length;
        if (n == 0 || text[n - 1] != '\r' && text[n - 1] != '\n') {
            out.crlf();
        }
    }

    /**
     * Copies the text with every line break (CR, LF or CRLF) written as CRLF, as long as it is
     * ASCII without control characters other than tab and line breaks, with no line over 998
     * characters; returns false at the first byte or line that is not, having written part of it.
     * Works on the UTF-8 bytes, where CR and LF never occur inside a character.
     */
    static boolean sevenBit(Bytes out, byte[] s) {
        int n = s.length;
        int line = 0;
        int i = 0;
        while (i < n) {
            // Eight bytes at a time while they are all printable: most of any text.
            if (i + 8 <= n && printable(word(s, i))) {
                i += 8;
                continue;
            }
            int b = s[i];
            if (b == '\r' || b == '\n') {
                if (i - line > MAX_LINE) {
                    return false;
                }
                out.write(s, line, i - line);
                out.crlf();
                i += b == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
                line = i;
            } else if (b >= 127 || b < 32 && b != '\t') { // a byte of a multi-byte UTF-8 character is negative here
                return false;
            } else {
                i++;
            }
        }
        if (n - line > MAX_LINE) {
            return false;
        }
        out.write(s, line, n - line);
        return true;
    }

    /** Whether each of the eight bytes of {@code w} is printable ASCII (32 to 126). */
    static boolean printable(long w) {
        // A byte below 32: (w - 0x20…) borrows into its top bit where w's is clear; above 126: +1 or w itself sets it.
        // When every byte is in range nothing borrows or carries across bytes, so the answer is exact either way.
        return (((w - 0x2020202020202020L) & ~w | (w + 0x0101010101010101L) | w) & 0x8080808080808080L) == 0;
    }

    /** Whether none of the eight bytes of {@code w} is '='. */
    static boolean noEquals(long w) {
        return lacks(w, 0x3D3D3D3D3D3D3D3DL);
    }

    /** Whether none of the eight bytes of {@code w} is the byte {@code repeated} holds in each of its eight. */
    static boolean lacks(long w, long repeated) {
        // A byte equal to the one looked for is zero in x; subtracting one from it borrows into its top bit.
        long x = w ^ repeated;
        return ((x - 0x0101010101010101L) & ~x & 0x8080808080808080L) == 0;
    }

    /** Bytes {@code i} to {@code i + 7} of {@code a} as one long, the first in its lowest byte. */
    static long word(byte[] a, int i) {
        return (long) LONGS.get(a, i);
    }

    /**
     * RFC 2045 quoted-printable of UTF-8 text; every line break (CR, LF or CRLF) becomes a CRLF
     * hard break, and encoded lines stay within 76 characters.
     */
    static void quotedPrintable(Bytes out, byte[] bytes) {
        int n = bytes.length;
        // At most three characters per byte, and a three-character soft break per 72 characters written.
        out.ensure(n * 3 + (n * 3 / 72 + 2) * 3);
        byte[] qp = out.a;
        int o = out.n;
        int column = 0;
        for (int i = 0; i < n; i++) {
            // Eight printable bytes, none '=', taken as they are while no soft break can fall among them. A space
            // is literal unless it ends a line, so the eighth may be one only when a byte other than CR or LF follows.
            if (column <= 75 - 8 && i + 8 < n) {
                long w = word(bytes, i);
                if (printable(w) && noEquals(w) && (bytes[i + 7] != ' ' || bytes[i + 8] != '\r' && bytes[i + 8] != '\n')) {
                    LONGS.set(qp, o, w);
                    o += 8;
                    column += 8;
                    i += 7;
                    continue;
                }
            }
            int b = bytes[i] & 0xff;
            // Most bytes: printable, not '=', and short of the column where a soft break may be due (below).
            if (b >= 33 && b <= 126 && b != '=' && column < 75) {
                qp[o++] = (byte) b;
                column++;
                continue;
            }
            if (b == '\r' || b == '\n') {
                if (b == '\r' && i + 1 < n && bytes[i + 1] == '\n') {
                    i++;
                }
                qp[o++] = '\r';
                qp[o++] = '\n';
                column = 0;
                continue;
            }
            boolean endOfLine = i + 1 == n || bytes[i + 1] == '\r' || bytes[i + 1] == '\n';
            boolean literal = b >= 33 && b <= 126 && b != '=' || (b == ' ' || b == '\t') && !endOfLine;
            int width = literal ? 1 : 3;
            // Room for a soft break "=" at 76, unless this is the last character of the line.
            if (column + width > (endOfLine ? 76 : 75)) {
                qp[o++] = '=';
                qp[o++] = '\r';
                qp[o++] = '\n';
                column = 0;
            }
            if (literal) {
                qp[o++] = (byte) b;
            } else {
                qp[o++] = '=';
                qp[o++] = HEX[b >> 4];
                qp[o++] = HEX[b & 0xf];
            }
            column += width;
        }
        out.n = o;
    }

    /** "Name <a@b>" with the name quoted or encoded as needed; a bare address stays bare. */
    static String mailbox(String mailbox) {
        int lt = mailbox.lastIndexOf('<');
        if (lt < 0) {
            return mailbox.strip();
        }
        String name = mailbox.substring(0, lt).strip();
        boolean quoted = name.length() > 1 && name.startsWith("\"") && name.endsWith("\"");
        if (quoted) {
            name = name.substring(1, name.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        String address = "<" + addressOf(mailbox) + ">";
        if (name.isEmpty()) {
            return address;
        }
        if (!isAscii(name)) {
            return encodedWords(name, 6) + " " + address;
        }
        if (!quoted && name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == ' ' || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0)) {
            return name + " " + address;
        }
        return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\" " + address;
    }

    /** An unstructured header value: as it is when ASCII, else RFC 2047 encoded words. */
    static String unstructured(String value, int nameLength) {
        return isAscii(value) ? value : encodedWords(value, nameLength + 2);
    }

    /** "=?UTF-8?B?...?=" words of at most 45 bytes each (75 characters), never splitting a character, separated by folding. */
    static String encodedWords(String value, int firstColumn) {
        StringBuilder sb = new StringBuilder();
        Base64.Encoder base64 = Base64.getEncoder();
        int start = 0;
        while (start < value.length()) {
            int end = start;
            int bytes = 0;
            while (end < value.length()) {
                int cp = value.codePointAt(end);
                int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                if (bytes + size > 45) {
                    break;
                }
                bytes += size;
                end += Character.charCount(cp);
            }
            if (sb.length() > 0) {
                sb.append("\r\n ");
            }
            sb.append("=?UTF-8?B?").append(base64.encodeToString(value.substring(start, end).getBytes(StandardCharsets.UTF_8)))
                    .append("?=");
            start = end;
        }
        return sb.toString();
    }

    /** Appends "Name: value" CRLF, folding an over-long value before a space where it has one. */
    static void header(StringBuilder sb, String name, String value) {
        if (name.length() + 2 + value.length() <= FOLD_AT || value.contains("\r\n")) {
            sb.append(name).append(": ").append(value).append("\r\n");
            return;
        }
        String[] words = value.split(" ", -1);
        int column = name.length() + 1;
        sb.append(name).append(':');
        for (int i = 0; i < words.length; i++) {
            if (i > 0 && !words[i].isEmpty() && column + 1 + words[i].length() > FOLD_AT) {
                sb.append("\r\n");
                column = 0;
            }
            sb.append(' ').append(words[i]);
            column += 1 + words[i].length();
        }
        sb.append("\r\n");
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 127 || c < 32 && c != '\t') {
                return false;
            }
        }
        return true;
    }

    private static String boundary() {
        // "=_" never occurs in quoted-printable output, and a 7bit part containing this exact
        // random string is not a practical concern at 96 random bits.
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "=_vj_" + Long.toHexString(r.nextLong()) + Integer.toHexString(r.nextInt());
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /**
     * A message's bytes as they are written: ByteArrayOutputStream without its locks, and with its
     * length settable, so that a part can be taken back.
     */
    static final class Bytes {
        byte[] a;
        int n;

        Bytes(int capacity) {
            a = new byte[capacity];
        }

        void ensure(int more) {
            if (n + more > a.length) {
                a = Arrays.copyOf(a, Math.max(a.length * 2, n + more));
            }
        }

        void write(byte[] s, int from, int length) {
            ensure(length);
            System.arraycopy(s, from, a, n, length);
            n += length;
        }

        void crlf() {
            ensure(2);
            a[n++] = '\r';
            a[n++] = '\n';
        }

        void utf8(CharSequence text) {
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            write(bytes, 0, bytes.length);
        }

        byte[] toByteArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
