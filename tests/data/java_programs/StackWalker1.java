import java.lang.reflect.Method;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

public class StackWalker1 {
    static final StackWalker PLAIN = StackWalker.getInstance();
    static final StackWalker RETAIN = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    static class Service {
        String whoCalls() { return RETAIN.getCallerClass().getSimpleName(); }
        List<String> frames() {
            return PLAIN.walk(s -> s.map(f -> f.getClassName() + "." + f.getMethodName() + ":" + f.getLineNumber())
                    .collect(Collectors.toList()));
        }
    }

    static List<String> depth(int n) {
        if (n > 0) return depth(n - 1);
        return PLAIN.walk(s -> s.map(StackWalker.StackFrame::getMethodName).limit(5).collect(Collectors.toList()));
    }

    public static void reflected() {
        System.out.println("reflected " + PLAIN.walk(s -> s.map(StackWalker.StackFrame::getMethodName).collect(Collectors.toList())));
    }

    public static void main(String[] args) throws Exception {
        Service svc = new Service();
        System.out.println(svc.whoCalls());
        System.out.println(svc.frames());
        System.out.println(depth(3));
        Supplier<String> viaLambda = () -> svc.whoCalls();
        System.out.println(viaLambda.get());
        List<String> seen = new ArrayList<>();
        RETAIN.forEach(f -> seen.add(f.getDeclaringClass().getSimpleName() + "#" + f.getMethodName() + " " + f.getFileName() + " native=" + f.isNativeMethod()));
        System.out.println(seen);
        StackWalker.StackFrame top = PLAIN.walk(Stream::findFirst).orElseThrow();
        System.out.println(top.getMethodName() + " " + top.toStackTraceElement() + " " + top.getDescriptor());
        System.out.println(RETAIN.walk(s -> s.findFirst()).get().getMethodType());
        try {
            PLAIN.getCallerClass();
        } catch (UnsupportedOperationException e) {
            System.out.println("UnsupportedOperationException " + e.getMessage());
        }
        try {
            PLAIN.walk(Stream::findFirst).get().getDeclaringClass();
        } catch (UnsupportedOperationException e) {
            System.out.println("UnsupportedOperationException");
        }
        Method m = StackWalker1.class.getMethod("reflected");
        m.invoke(null);
        StackTraceElement[] trace = Thread.currentThread().getStackTrace();
        System.out.println(trace[0].getMethodName() + " " + trace[1].getMethodName() + " " + trace.length);
        System.out.println(new Throwable().getStackTrace()[0]);
        System.out.println(ProcessHandle.current().pid() > 0);
    }
}
