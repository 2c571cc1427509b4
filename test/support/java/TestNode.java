import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the OpenSearch and Elasticsearch test launchers share (plain JDK, compiled with each):
 * the home directory from the command line, the settings of a single node on loopback with
 * OS-chosen ports, and serving until the parent goes away.
 */
final class TestNode {
  private TestNode() {}

  /** The home directory argument, with its config/ directory created. Exits with usage otherwise. */
  static Path home(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: VigilTestNode <home dir>");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    Files.createDirectories(home.resolve("config"));
    return home;
  }

  /** Settings both products read alike: everything under `home`, one node, loopback, free ports. */
  static Map<String, String> settings(Path home) {
    return Map.of(
        "path.home", home.toString(),
        "path.data", home.resolve("data").toString(),
        "path.logs", home.resolve("logs").toString(),
        "cluster.name", "vigil-test",
        "node.name", "vigil-test",
        "discovery.type", "single-node",
        "network.host", "127.0.0.1",
        "http.port", "0",
        "transport.port", "0",
        // Test machines often have fuller disks than a production node would accept.
        "cluster.routing.allocation.disk.threshold_enabled", "false");
  }

  /**
   * Prints "vigil-test-node ready http://<address>:<port>" and serves until stdin closes (the
   * parent holds it open, so a killed test runner cannot leave the node behind) or SIGTERM;
   * closes the node either way.
   */
  static void serve(String address, int port, AutoCloseable node) throws Exception {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception e) {
        e.printStackTrace();
      }
    }));
    System.out.println("vigil-test-node ready http://" + address + ":" + port);
    System.out.flush();
    while (System.in.read() != -1) {
      // ignore input
    }
    System.exit(0);
  }
}
