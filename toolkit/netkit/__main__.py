from netkit.cli.app import main

main()
