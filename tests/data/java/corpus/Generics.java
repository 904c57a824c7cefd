package corpus;

import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import java.util.Map;

public abstract class Generics<K extends Comparable<? super K> & Serializable, V> extends java.util.AbstractMap<K, V> implements Map<K, V>, Serializable {
    protected Map<? extends K, ? super V> wild;
    List<Map.Entry<K, List<V>[]>> entries;
    V[] values;
    Inner<String>.Deeper deeper;

    public static <T extends Object & Comparable<? super T>> T max(Collection<? extends T> c) {
        T best = null;
        for (T t : c) {
            if (best == null || t.compareTo(best) > 0) best = t;
        }
        return best;
    }

    public <X extends Throwable> void raise(X x) throws X, java.io.IOException {
        throw x;
    }

    @SafeVarargs
    public final <E> List<E> listOf(E... es) {
        return List.of(es);
    }

    class Inner<Q> {
        Q value;
        class Deeper {
            Q get() { return value; }
        }
    }

    interface Visitor<R, P> {
        R visit(Map<String, ? extends P> p, int... more);
    }
}
