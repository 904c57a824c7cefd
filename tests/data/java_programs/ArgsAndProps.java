public class ArgsAndProps {
    public static void main(String[] args) {
        System.out.println(args.length);
        for (String a : args) System.out.println("[" + a + "]");
        System.out.println(System.getProperty("line.separator").equals("\n") + " " + System.getProperty("file.separator") + " " + System.getProperty("path.separator"));
        System.out.println(System.getProperty("no.such.prop", "default") + " " + System.getProperty("java.specification.version"));
        System.out.println(System.getenv("PATH") != null);
        System.out.println(Integer.getInteger("no.int", 7));
    }
}
