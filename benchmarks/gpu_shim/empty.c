/* Empty stand-in: only its soname is needed (FAISS uses no symbol from it). */
