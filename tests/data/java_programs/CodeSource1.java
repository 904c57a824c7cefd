import java.security.*;
public class CodeSource1 {
    public static void main(String[] args) throws Exception {
        ProtectionDomain pd = CodeSource1.class.getProtectionDomain();
        CodeSource cs = pd.getCodeSource();
        String loc = cs.getLocation().toString();
        System.out.println(loc.startsWith("file:/") + " " + loc.endsWith("/") + " " + new java.io.File(cs.getLocation().toURI()).isDirectory());
        System.out.println(cs.getCertificates() + " " + (pd.getClassLoader() == ClassLoader.getSystemClassLoader()));
        System.out.println(pd == CodeSource1.class.getProtectionDomain());
        System.out.println(String.class.getProtectionDomain().getCodeSource());
        System.out.println(CodeSource1.class.getSigners());
    }
}
