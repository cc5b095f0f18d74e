"""The integrity log: signed, hash-chained custody entries (:mod:`.entries`), their RFC 6962 Merkle tree
(:mod:`.merkle`), signed checkpoints (:mod:`.checkpoint`), RFC 3161 timestamps (:mod:`.tsa`,
:mod:`.timestamps`), and the one function every writer calls (:meth:`.writer.Log.write`)."""
