import dev.valjean.common.EmailAddress;

/**
 * Nanoseconds per EmailAddress.parse of addresses as a list has them: a thousand readers on seven
 * domains. Run by bench/address.sh; prints one figure per round of 400,000 parses.
 */
public class AddressParse {
    public static void main(String[] args) {
        String[] addresses = new String[1000];
        for (int i = 0; i < addresses.length; i++) {
            addresses[i] = "Reader." + i + "+news@Mail" + (i % 7) + ".example.com";
        }
        long sink = 0;
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        for (int round = 1; round <= rounds; round++) {
            int n = 400_000;
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += EmailAddress.parse(addresses[i % addresses.length]).deliverable().length();
            }
            System.out.printf("round %d: %.0f ns a parse%n", round, (System.nanoTime() - start) / (double) n);
        }
        System.out.println("(checksum " + sink + ")");
    }
}
