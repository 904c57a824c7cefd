(ns progs.interop (:gen-class) (:import [java.util ArrayList HashMap TreeSet]))
(definterface Sized (^long size2 []))
(deftype Pair [a b] Sized (size2 [_] 2) Object (toString [_] (str "<" a "," b ">")))
(defn -main [& args]
  (let [l (ArrayList.)]
    (doto l (.add 3) (.add 1) (.add 2))
    (java.util.Collections/sort l)
    (println (str l) (.size l)))
  (let [m (HashMap. {"a" 1})] (.put m "b" 2) (println (into (sorted-map) m)))
  (println (str (TreeSet. [5 1 3])))
  (println (str (Pair. 1 2)) (.size2 (Pair. 1 2)))
  (println (Math/max 3 7) Long/MAX_VALUE (Integer/toBinaryString 10))
  (println (.toUpperCase "abc") (String/valueOf 42))
  (println (.compare (reify java.util.Comparator (compare [_ a b] (- b a))) 1 2)))
