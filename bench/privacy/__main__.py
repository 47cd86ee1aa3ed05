from bench.privacy.run import main

main()
