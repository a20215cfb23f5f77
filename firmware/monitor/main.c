/* main.c — every board's entry point: bring the port up, then hand over to the monitor. */
#include "tb_monitor.h"
#include "tb_port.h"

#ifdef TB_HOSTED
int main(int argc, char **argv)
{
    tb_port_args(argc, argv);
#else
int main(void)
{
#endif
    tb_port_init();
    tb_monitor_run();
    return 0;
}
