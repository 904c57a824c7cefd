(ns progs.state (:gen-class))
(defn -main [& args]
  (let [a (atom 0) r (ref 0) v (volatile! 0)]
    (dotimes [i 10] (swap! a + i))
    (dosync (alter r + 5) (commute r inc))
    (vswap! v inc)
    (println @a @r @v))
  (let [a (atom {:count 0})]
    (add-watch a :w (fn [_ _ old new] (println "changed" (:count old) "->" (:count new))))
    (swap! a update :count inc))
  (let [t (transient [])]
    (println (persistent! (reduce conj! t (range 5)))))
  (println (with-local-vars [x 1] (var-set x 2) (var-get x)))
  (def ^:dynamic *depth* 0)
  (println (binding [*depth* 5] *depth*) *depth*))
